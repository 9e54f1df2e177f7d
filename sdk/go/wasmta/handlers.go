package wasmta

// Handler function types, one per hook. A handler returns its decision and
// true, or false for "no opinion" (the host's built-in default decides and
// the returned value is ignored).
type (
	MailFromHandler = func(in *MailFromInput) (MailFromResult, bool)
	RcptHandler     = func(in *RcptInput) (RcptResult, bool)
	MessageHandler  = func(in *MessageInput) (MessageResult, bool)
	RouteHandler    = func(in *RouteInput) (Route, bool)
	PoolHandler     = func(in *PoolInput) (string, bool)
	ShapeHandler    = func(in *ShapeInput) (Shape, bool)
	ClassifyHandler = func(in *ClassifyInput) (Classification, bool)
)

// The registered handlers. Registration happens in init functions, before
// the first hook call, so they are read without locking.
var (
	onMailFrom MailFromHandler
	onRcpt     RcptHandler
	onMessage  MessageHandler
	onRoute    RouteHandler
	onPool     PoolHandler
	onShape    ShapeHandler
	onClassify ClassifyHandler
)

// HandleMailFrom registers the on_mail_from handler (call it from init).
func HandleMailFrom(h MailFromHandler) { onMailFrom = h }

// HandleRcpt registers the on_rcpt handler (call it from init).
func HandleRcpt(h RcptHandler) { onRcpt = h }

// HandleMessage registers the on_message handler (call it from init).
func HandleMessage(h MessageHandler) { onMessage = h }

// HandleRoute registers the route handler (call it from init).
func HandleRoute(h RouteHandler) { onRoute = h }

// HandleSelectPool registers the select_pool handler; it returns the pool
// name (call it from init).
func HandleSelectPool(h PoolHandler) { onPool = h }

// HandleShape registers the shape handler (call it from init).
func HandleShape(h ShapeHandler) { onShape = h }

// HandleClassify registers the classify handler (call it from init).
func HandleClassify(h ClassifyHandler) { onClassify = h }

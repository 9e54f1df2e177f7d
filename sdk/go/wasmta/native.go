//go:build !wasip1

package wasmta

import (
	"fmt"
	"os"
)

// In a native build there is no host: the Call* functions run the
// registered handler directly, so a policy's handlers are unit-tested with
// `go test`. Each returns the handler's result, whether it decided (false
// = no opinion, also when no handler is registered), and the first ABI
// rule the result breaks (the host would fault such a call).

func logLine(level int, msg string) { fmt.Fprintf(os.Stderr, "wasmta log level=%d: %s\n", level, msg) }

// CallMailFrom runs the on_mail_from handler.
func CallMailFrom(in *MailFromInput) (MailFromResult, bool, error) {
	if onMailFrom == nil {
		return MailFromResult{}, false, nil
	}
	r, ok := onMailFrom(in)
	return r, ok, validIf(ok, r.Validate)
}

// CallRcpt runs the on_rcpt handler.
func CallRcpt(in *RcptInput) (RcptResult, bool, error) {
	if onRcpt == nil {
		return RcptResult{}, false, nil
	}
	r, ok := onRcpt(in)
	return r, ok, validIf(ok, r.Validate)
}

// CallMessage runs the on_message handler.
func CallMessage(in *MessageInput) (MessageResult, bool, error) {
	if onMessage == nil {
		return MessageResult{}, false, nil
	}
	r, ok := onMessage(in)
	return r, ok, validIf(ok, r.Validate)
}

// CallRoute runs the route handler.
func CallRoute(in *RouteInput) (Route, bool, error) {
	if onRoute == nil {
		return Route{}, false, nil
	}
	r, ok := onRoute(in)
	return r, ok, validIf(ok, r.Validate)
}

// CallSelectPool runs the select_pool handler.
func CallSelectPool(in *PoolInput) (string, bool, error) {
	if onPool == nil {
		return "", false, nil
	}
	p, ok := onPool(in)
	if ok && p != "" {
		return p, ok, ValidatePool(p)
	}
	return p, ok, nil
}

// CallShape runs the shape handler.
func CallShape(in *ShapeInput) (Shape, bool, error) {
	if onShape == nil {
		return Shape{}, false, nil
	}
	r, ok := onShape(in)
	return r, ok, validIf(ok, r.Validate)
}

// CallClassify runs the classify handler.
func CallClassify(in *ClassifyInput) (Classification, bool, error) {
	if onClassify == nil {
		return Classification{}, false, nil
	}
	r, ok := onClassify(in)
	return r, ok, validIf(ok, r.Validate)
}

// validIf runs validate only for a decision: a "no opinion" result is
// dropped by the host, whatever it holds.
func validIf(decided bool, validate func() error) error {
	if !decided {
		return nil
	}
	return validate()
}

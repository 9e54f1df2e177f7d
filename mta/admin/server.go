package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/webhook"
)

// Options configures a Server.
type Options struct {
	Engine *engine.Engine
	// Policies pushes, lists and rolls back policy modules (the wasm
	// registry); nil answers the policy endpoints with 501.
	Policies policy.Modules
	// Token, when set, is required on every request but /healthz and
	// /readyz, as "Authorization: Bearer TOKEN".
	Token string
	// AllowedHosts are the names, besides the listener's addresses and
	// localhost, that a request's Host may carry (admin.allowed_hosts):
	// the API refuses any other, against DNS rebinding (see origin.go).
	AllowedHosts []string
	// Metrics serves GET /metrics; nil = no metrics endpoint.
	Metrics http.Handler
	// Webhooks reports the webhooks' state for GET /v1/webhooks; nil = none.
	Webhooks interface{ Stats() []webhook.Stats }
	Logger   *slog.Logger
	// Version is the build's version, shown by the dashboard.
	Version string
	// Reload reads the configuration again and puts it in force (POST
	// /v1/reload); nil answers 501. A refused file is an *Error 422.
	Reload func(ctx context.Context) (any, error)
}

// Server is the admin API.
type Server struct {
	opts Options
	eng  *engine.Engine
	log  *slog.Logger
	mux  *http.ServeMux
	srv  *http.Server

	routes       []string // every pattern registered, for Routes
	allowedHosts []string // Options.AllowedHosts, lowercased

	done      chan struct{} // closed at Shutdown: ends the dashboard's streams
	doneOnce  sync.Once
	snapshots snapshotCache // the dashboard stream's latest snapshot (dashboard.go)

	rebuildingHook atomic.Pointer[func() bool] // tests: stands for the engine's rebuild state
}

// New returns the admin API with every endpoint registered: probes,
// metrics, queues, bounce and rebind, live traffic control, policies and
// webhooks.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{opts: opts, eng: opts.Engine, log: opts.Logger, mux: http.NewServeMux(),
		allowedHosts: normalHosts(opts.AllowedHosts), done: make(chan struct{})}
	// Probes need neither the token nor a known Host: a load balancer
	// may address the node by any name, and the answers reveal nothing.
	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /readyz", http.HandlerFunc(s.readyz))
	if opts.Metrics != nil {
		s.handle("GET /metrics", s.protected(opts.Metrics))
	}
	registerQueues(s)
	registerTLS(s)
	registerQueueOps(s)
	registerQueueCommands(s)
	registerSMTPTrace(s)
	registerControl(s)
	registerPolicies(s)
	registerSuppress(s)
	registerHistory(s)
	registerTables(s)
	registerDashboard(s)
	registerFleet(s)
	registerXfer(s)
	registerReload(s)
	s.Handle("GET /v1/webhooks", s.webhooks)
	return s
}

// Engine returns the engine the API acts on.
func (s *Server) Engine() *engine.Engine { return s.eng }

// Logger returns the API's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Record writes a record of a change made through the API (a queue
// operation, a policy push).
func (s *Server) Record(r *events.Record) { s.eng.Emit(r) }

// Handle registers an authenticated JSON endpoint; pattern is a
// net/http.ServeMux pattern with its method ("POST /v1/bounce"). A request
// body must be application/json.
func (s *Server) Handle(pattern string, h HandlerFunc) {
	s.handle(pattern, s.protected(h, mediaJSON))
}

func (s *Server) handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.routes = append(s.routes, pattern)
}

// Routes returns the patterns registered, in order ("GET /v1/queues").
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// protected runs h only for a request from this listener's own origin
// (checkSite), with the token when one is configured, and with a body of
// one of the media types given (none: no body).
func (s *Server) protected(h http.Handler, media ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkSite(r); err != nil {
			writeError(w, err)
			return
		}
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wasmta admin"`)
			writeError(w, Errorf(http.StatusUnauthorized, "missing or wrong bearer token (admin.token)"))
			return
		}
		if err := checkBody(r, media...); err != nil {
			writeError(w, err)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authorized reports whether r carries the configured token (always true
// without one). The scheme name is case-insensitive (RFC 7235 2.1).
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimLeft(tok, " ")
	return strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(tok), []byte(s.opts.Token)) == 1
}

// Serve answers requests on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.log.Info("admin API listening", "addr", ln.Addr())
	if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in progress.
func (s *Server) Shutdown(ctx context.Context) error {
	s.doneOnce.Do(func() { close(s.done) })
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 503 while the engine cannot take mail (shutting down,
// disk full), so a load balancer sends it elsewhere.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	if err := s.eng.Ready(); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) webhooks(*http.Request) (any, error) {
	if s.opts.Webhooks == nil {
		return []webhook.Stats{}, nil
	}
	return s.opts.Webhooks.Stats(), nil
}

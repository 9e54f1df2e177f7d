package admin

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/webhook"
)

// Options configures a Server.
type Options struct {
	Engine *engine.Engine
	// Policies pushes, lists and rolls back policy modules; nil answers
	// the policy endpoints with 501.
	Policies Policies
	// Token, when set, is required on every request but /healthz and
	// /readyz, as "Authorization: Bearer TOKEN".
	Token string
	// Metrics serves GET /metrics; nil = no metrics endpoint.
	Metrics http.Handler
	// Webhooks reports the webhooks' state for GET /v1/webhooks; nil = none.
	Webhooks interface{ Stats() []webhook.Stats }
	Logger   *slog.Logger
}

// Server is the admin API.
type Server struct {
	opts Options
	eng  *engine.Engine
	log  *slog.Logger
	mux  *http.ServeMux
	srv  *http.Server

	routes []string // every pattern registered, for Routes
}

// New returns the admin API with this package's endpoints registered.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Server{opts: opts, eng: opts.Engine, log: opts.Logger, mux: http.NewServeMux()}
	s.handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.handle("GET /readyz", http.HandlerFunc(s.readyz))
	if opts.Metrics != nil {
		s.handle("GET /metrics", s.authenticated(opts.Metrics))
	}
	registerQueues(s)
	registerActions(s)
	registerPolicies(s)
	s.Handle("GET /v1/webhooks", s.webhooks)
	return s
}

// Engine returns the engine the API acts on.
func (s *Server) Engine() *engine.Engine { return s.eng }

// Logger returns the API's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Record writes a record of an admin action.
func (s *Server) Record(r *events.Record) { s.eng.Emit(r) }

// Handle registers an authenticated JSON endpoint; pattern is a
// net/http.ServeMux pattern with its method ("POST /v1/bounce").
func (s *Server) Handle(pattern string, h HandlerFunc) {
	s.handle(pattern, s.authenticated(h))
}

func (s *Server) handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.routes = append(s.routes, pattern)
}

// Routes returns the patterns registered, in order ("GET /v1/queues").
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// authenticated refuses a request without the configured bearer token.
func (s *Server) authenticated(h http.Handler) http.Handler {
	if s.opts.Token == "" {
		return h
	}
	want := []byte("Bearer " + s.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wasmta admin"`)
			writeError(w, Errorf(http.StatusUnauthorized, "missing or wrong bearer token (admin.token)"))
			return
		}
		h.ServeHTTP(w, r)
	})
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

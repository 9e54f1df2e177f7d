package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/net/netutil"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// Defaults used when the matching Options field is zero.
const (
	DefaultMaxMessageBytes = 25 << 20
	DefaultMaxRecipients   = 1000
	DefaultMaxConnections  = 1024
	DefaultMaxRequestBytes = 100 << 20
	DefaultTimeout         = 5 * time.Minute
	DefaultCampaignHeader  = "X-Campaign"
)

// Submitter hands an accepted message to the spool; it returns once the
// message is synced. errors.Is(err, spool.ErrFull) means the disk (or
// memory) is short.
type Submitter interface {
	// Submit spools m; spooled, when not nil, runs once m is synced and
	// before it can be delivered (see reception.Submitter).
	Submit(ctx context.Context, m *message.Message, body []byte, spooled func()) error
}

// Limits are one tenant's limits (see intake.Limits).
type Limits = intake.Limits

// Options configure a Server.
type Options struct {
	Hostname string // Received: and Message-ID domain; default os.Hostname
	// Authenticate returns the tenant owning an API token (required).
	Authenticate func(token string) (tenant string, ok bool)
	// Intake holds the tenants' limits and rate buckets, shared with SMTP
	// reception; nil: New makes one from MaxMessageBytes, MaxRecipients
	// and TenantLimits.
	Intake       *intake.Intake
	TenantLimits func(tenant string) Limits
	// MaxMessageBytes is the largest message, MaxRecipients the most
	// recipients of one request, for every tenant.
	MaxMessageBytes int64
	MaxRecipients   int
	MaxConnections  int
	// MaxRequestBytes bounds what one request renders and builds: the
	// sum of its messages (413 past it). Templating multiplies a small
	// request by its recipients.
	MaxRequestBytes int64
	// MaxDataInFlight bounds the message data of all requests (with SMTP
	// sessions, when the Intake is shared) when Intake is nil: past it a
	// request gets 503.
	MaxDataInFlight int64
	// MaxHops refuses a raw message with more Received: fields (422, a
	// mail loop) when Intake is nil; 0: no check.
	MaxHops int
	// Policy runs on_mail_from, on_rcpt and on_message; nil: accept all.
	Policy    *policy.Guard
	Submitter Submitter // required
	// Sign returns DKIM-Signature fields for msg, as reception.Options.Sign
	// does; nil: no signing.
	Sign           func(ctx context.Context, m *message.Message, dkimChoice string, msg []byte) ([]byte, error)
	CampaignHeader string
	// TLSConfig, when set, makes the listener speak HTTPS.
	TLSConfig *tls.Config
	// Timeout bounds reading one request and writing its answer.
	Timeout time.Duration
	Records events.Sink
	Logger  *slog.Logger
}

// Server is the HTTP injection API.
type Server struct {
	opts   Options
	guard  *policy.Guard
	rec    events.Sink
	log    *slog.Logger
	intake *intake.Intake
	http   *http.Server
}

// New checks opts and returns a Server ready to Serve.
func New(opts Options) (*Server, error) {
	if opts.Submitter == nil || opts.Authenticate == nil {
		return nil, errors.New("httpapi: Options.Submitter and Options.Authenticate are required")
	}
	fillDefaults(&opts)
	s := &Server{opts: opts, guard: opts.Policy, rec: opts.Records, log: opts.Logger, intake: opts.Intake}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/messages", s.messages)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s %s (try POST /v1/messages)", r.Method, r.URL.Path), nil)
	})
	s.http = &http.Server{
		Handler:           mux,
		TLSConfig:         opts.TLSConfig,
		ReadHeaderTimeout: 30 * time.Second,
		ReadTimeout:       opts.Timeout,
		WriteTimeout:      opts.Timeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	return s, nil
}

func fillDefaults(o *Options) {
	if o.Hostname == "" {
		o.Hostname, _ = os.Hostname()
		if o.Hostname == "" {
			o.Hostname = "localhost"
		}
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if o.MaxRecipients <= 0 {
		o.MaxRecipients = DefaultMaxRecipients
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CampaignHeader == "" {
		o.CampaignHeader = DefaultCampaignHeader
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Policy == nil {
		o.Policy = policy.NewGuard(nil, nil, nil)
	}
	if o.Records == nil {
		o.Records = events.Discard
	}
	o.Intake = o.Intake.OrNew(intake.Options{MaxMessageBytes: o.MaxMessageBytes,
		MaxRecipients: o.MaxRecipients, TenantLimits: o.TenantLimits, MaxDataInFlight: o.MaxDataInFlight, MaxHops: o.MaxHops})
}

// Handler returns the API's HTTP handler (tests, or mounting elsewhere).
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Serve answers requests on ln until Shutdown; with Options.TLSConfig it
// speaks HTTPS.
func (s *Server) Serve(ln net.Listener) error {
	ln = netutil.LimitListener(ln, s.opts.MaxConnections)
	var err error
	if s.opts.TLSConfig != nil {
		err = s.http.ServeTLS(ln, "", "")
	} else {
		err = s.http.Serve(ln)
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("httpapi: serve: %w", err)
}

// Shutdown stops accepting and waits for requests in progress (each
// finishes its spooling and gets its answer) until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.http.Shutdown(ctx); err != nil {
		s.http.Close()
		return fmt.Errorf("httpapi: shutdown: %w", err)
	}
	return nil
}

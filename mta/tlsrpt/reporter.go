package tlsrpt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

// Options configures a Reporter.
type Options struct {
	Store     Store            // durable counts; nil keeps them in memory
	DNS       *dnsquery.Client // TXT lookups of _smtp._tls
	Submitter string           // this MTA's name: organization-name, TLS-Report-Submitter
	Contact   string           // contact-info [postmaster@Submitter]
	Roots     *x509.CertPool   // of https rua servers [system]
	// Mail injects a report message (sender "" for a null return path);
	// nil leaves mailto destinations out.
	Mail   func(ctx context.Context, to string, body []byte) error
	Now    func() time.Time
	Logger *slog.Logger
}

// Reporter counts and sends. It is safe for concurrent use.
type Reporter struct {
	opts Options
	c    *counter
	http *http.Client
	log  *slog.Logger

	mu      sync.Mutex
	retryAt map[dayKey]time.Time // a failed send is not tried again before
}

// retryDelay spaces the attempts of a report that failed to leave.
const retryDelay = time.Hour

// keepDays: counts not sent after this many days are dropped.
const keepDays = 3

// New returns a Reporter with the counts a previous run saved.
func New(opts Options) (*Reporter, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Contact == "" {
		opts.Contact = "postmaster@" + opts.Submitter
	}
	r := &Reporter{opts: opts, log: opts.Logger, retryAt: map[dayKey]time.Time{},
		c:    &counter{store: opts.Store, days: map[dayKey]*counts{}, dirty: map[dayKey]bool{}},
		http: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: opts.Roots}}}}
	if err := r.c.load(); err != nil {
		return nil, fmt.Errorf("tlsrpt: load counts: %w", err)
	}
	return r, nil
}

// Record counts one session checked against pol: f nil for a success.
// Domains without a policy are not counted.
func (r *Reporter) Record(pol *tlspolicy.Policy, sending netip.Addr, host string, receiving netip.Addr, f *tlspolicy.Failure) {
	if pol == nil || pol.Type() == tlspolicy.TypeNoPolicy {
		return
	}
	desc := PolicyDesc{Type: pol.Type(), String: pol.Strings(), Domain: pol.Domain, MXHost: pol.MXHosts()}
	result := ""
	if f != nil {
		result = f.Result
	}
	r.c.add(r.opts.Now(), desc, sending, host, receiving, result)
}

// Flush saves the counts.
func (r *Reporter) Flush() error { return r.c.flush() }

// Build makes the report of one domain's day, nil when nothing was counted.
func (r *Reporter) Build(day, domain string) *Report {
	e := r.c.get(dayKey{day, domain})
	if e == nil {
		return nil
	}
	start, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil
	}
	var failed int64
	for _, f := range e.Failures {
		failed += f.FailedSessionCount
	}
	return &Report{
		OrganizationName: r.opts.Submitter,
		DateRange:        DateRange{Start: start, End: start.Add(24*time.Hour - time.Second)},
		ContactInfo:      r.opts.Contact,
		ReportID:         fmt.Sprintf("%s_%s@%s", start.Format(time.RFC3339), domain, r.opts.Submitter),
		Policies: []PolicyResult{{Policy: e.Policy, Summary: Summary{Successful: e.Success, Failed: failed},
			FailureDetails: e.Failures}},
	}
}

// SendDue sends the reports of every day before today and returns how
// many domains' reports left.
func (r *Reporter) SendDue(ctx context.Context) (int, error) {
	if err := r.Flush(); err != nil {
		return 0, err
	}
	now := r.opts.Now().UTC()
	today := now.Format(time.DateOnly)
	oldest := now.AddDate(0, 0, -keepDays).Format(time.DateOnly)
	sent := 0
	var errs []error
	for _, k := range r.c.before(today) {
		if !r.due(k, now) {
			continue
		}
		err := r.send(ctx, k)
		switch {
		case err == nil:
			sent++
			errs = append(errs, r.c.drop(k))
		case errors.Is(err, ErrNoRecord):
			errs = append(errs, r.c.drop(k)) // nobody asked for a report
		case k.day < oldest:
			r.log.Warn("tls report dropped after retries", "domain", k.domain, "day", k.day, "err", err)
			errs = append(errs, r.c.drop(k))
		default:
			r.log.Info("tls report not sent; will retry", "domain", k.domain, "day", k.day, "err", err)
			r.mu.Lock()
			r.retryAt[k] = now.Add(retryDelay)
			r.mu.Unlock()
		}
	}
	return sent, errors.Join(errs...)
}

func (r *Reporter) due(k dayKey, now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return !now.Before(r.retryAt[k])
}

func (r *Reporter) send(ctx context.Context, k dayKey) error {
	rua, err := lookupRUA(ctx, r.opts.DNS, k.domain)
	if err != nil {
		return err
	}
	rep := r.Build(k.day, k.domain)
	if rep == nil {
		return nil
	}
	gz, err := rep.Gzip()
	if err != nil {
		return err
	}
	var errs []error
	for _, u := range rua {
		switch u.Scheme {
		case "https":
			errs = append(errs, post(ctx, r.http, u.String(), gz))
		case "mailto":
			if r.opts.Mail != nil {
				msg := compose(rep, k.domain, "noreply-tlsrpt@"+r.opts.Submitter, u.Opaque, gz, r.opts.Now())
				errs = append(errs, r.opts.Mail(ctx, u.Opaque, msg))
			}
		}
	}
	return errors.Join(errs...)
}

// Run flushes the counts every interval and sends the reports that are
// due, until ctx ends; it flushes once more then.
func (r *Reporter) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := r.Flush(); err != nil {
				r.log.Warn("tls report counts not saved", "err", err)
			}
			return
		case <-t.C:
			if _, err := r.SendDue(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("tls reports", "err", err)
			}
		}
	}
}

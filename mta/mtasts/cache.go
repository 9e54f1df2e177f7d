package mtasts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// namespace is the spool aux namespace of cached policies, keyed by domain.
const namespace = "mtasts"

// cached is a policy as stored: its text (parsed again on load, so that a
// fix in Parse applies to old entries) and when it was fetched.
type cached struct {
	ID      string    `json:"id"`
	Policy  string    `json:"policy"`
	Fetched time.Time `json:"fetched"`
	Expires time.Time `json:"expires"`
}

func (r *Resolver) save(res Result) error {
	if r.opts.Store == nil {
		return nil // Lookup keeps it in memory
	}
	v, err := json.Marshal(cached{ID: res.ID, Policy: res.Policy.String(), Fetched: res.Fetched, Expires: res.Expires})
	if err != nil {
		return err
	}
	return r.opts.Store.PutAux(namespace, []byte(res.Domain), v, false)
}

// load returns the cached policy of domain that has not expired, or nil.
func (r *Resolver) load(domain string, now time.Time) (*Result, error) {
	if r.opts.Store == nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		if e := r.mem[domain]; e != nil && e.res.Policy != nil && now.Before(e.res.Expires) {
			res := e.res
			return &res, nil
		}
		return nil, nil
	}
	v, err := r.opts.Store.GetAux(namespace, []byte(domain))
	if err != nil {
		return nil, nil // not cached (or unreadable: fetched again)
	}
	res, err := decode(domain, v)
	if err != nil {
		return nil, err
	}
	if !now.Before(res.Expires) {
		return nil, r.opts.Store.DeleteAux(namespace, []byte(domain), false)
	}
	return res, nil
}

func decode(domain string, v []byte) (*Result, error) {
	var c cached
	if err := json.Unmarshal(v, &c); err != nil {
		return nil, fmt.Errorf("mtasts: cache entry of %s: %w", domain, err)
	}
	p, err := Parse([]byte(c.Policy))
	if err != nil {
		return nil, fmt.Errorf("mtasts: cache entry of %s: %w", domain, err)
	}
	return &Result{Domain: domain, Policy: p, ID: c.ID, Fetched: c.Fetched, Expires: c.Expires}, nil
}

// Cached lists the policies of the durable cache that have not expired,
// for the operator's view.
func (r *Resolver) Cached() ([]Result, error) {
	var out []Result
	if r.opts.Store == nil {
		r.mu.Lock()
		for _, e := range r.mem {
			if e.res.Policy != nil {
				out = append(out, e.res)
			}
		}
		r.mu.Unlock()
		return out, nil
	}
	now := r.opts.Now()
	err := r.opts.Store.ScanAux(namespace, nil, func(k, v []byte) error {
		res, err := decode(string(k), v)
		if err == nil && now.Before(res.Expires) {
			out = append(out, *res)
		}
		return nil
	})
	return out, err
}

// Refresh fetches again every cached policy that expires within
// RefreshBefore (by default a quarter of its max_age, at most a day), so
// that a policy stays in force across a short outage of its policy host.
// It returns how many were refreshed.
func (r *Resolver) Refresh(ctx context.Context) (int, error) {
	all, err := r.Cached()
	if err != nil {
		return 0, err
	}
	n := 0
	now := r.opts.Now()
	for _, c := range all {
		before := r.opts.RefreshBefore
		if before <= 0 {
			before = min(c.Policy.MaxAge/4, 24*time.Hour)
		}
		if c.Expires.Sub(now) > before {
			continue
		}
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		res, until := r.discover(ctx, c.Domain, true)
		r.mu.Lock()
		r.mem[c.Domain] = &entry{res: res, checkUntil: until}
		r.mu.Unlock()
		if res.Source == "fetched" {
			n++
		}
	}
	return n, nil
}

// Run calls Refresh every interval until ctx ends.
func (r *Resolver) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := r.Refresh(ctx); err != nil && !errors.Is(err, context.Canceled) {
				r.log.Warn("mta-sts refresh", "err", err)
			}
		}
	}
}

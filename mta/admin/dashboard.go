package admin

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/rates"
	"github.com/wasmta/wasmta/mta/shaping"
)

// The dashboard (docs/dashboard.md) is one page of plain HTML, CSS and
// JavaScript embedded in the binary: nothing is fetched from the internet.
// The page and its files need no token (they hold no data); the page asks
// for the token, keeps it in the tab's sessionStorage and sends it as a
// bearer token with every API call, the live stream included (read with
// fetch, since EventSource cannot send a header: a token in a URL would
// end up in logs and history).
//
//	GET /                          the page
//	GET /ui/{file}                 its script and style sheet
//	GET /v1/dashboard              Dashboard
//	GET /v1/dashboard/stream       text/event-stream: a "snapshot" event (Dashboard) every 2 s

//go:embed ui
var uiFiles embed.FS

// streamEvery is the period of the dashboard's live snapshots.
const streamEvery = 2 * time.Second

func registerDashboard(s *Server) {
	ui, _ := fs.Sub(uiFiles, "ui") // the embedded tree always has ui/
	files := http.FileServerFS(ui)
	s.handle("GET /{$}", s.sameSite(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		http.ServeFileFS(w, r, ui, "index.html")
	})))
	s.handle("GET /ui/", s.sameSite(http.StripPrefix("/ui/", files)))
	s.Handle("GET /v1/dashboard", func(r *http.Request) (any, error) { return s.dashboard(r), nil })
	s.handle("GET /v1/dashboard/stream", s.protected(http.HandlerFunc(s.dashboardStream)))
}

// sameSite answers only requests that checkSite lets through (the page is
// harmless, but a page served under a rebound name would talk to us).
func (s *Server) sameSite(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkSite(r); err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// Dashboard is one snapshot of what the dashboard shows live.
type Dashboard struct {
	Time     time.Time               `json:"time"`
	Version  string                  `json:"version,omitempty"`
	Tenants  []string                `json:"tenants"` // "*" first: the global module
	Sources  map[string]string       `json:"sources"` // egress source name -> address
	Queues   []engine.QueueViewRow   `json:"queues"`
	Paths    []DashboardPath         `json:"paths"`
	Rates    map[string]rates.Window `json:"rates"` // by provider, by source
	Actions  []shaping.Action        `json:"actions"`
	Policies []PolicyInfo            `json:"policies"`
	Tables   []TableInfo             `json:"tables"`                      // every tenant's policy data tables
	History  *time.Duration          `json:"history_retention,omitempty"` // nil: the history is off
}

// DashboardPath is one egress path (ready queue).
type DashboardPath struct {
	Source      string      `json:"source"`
	Address     string      `json:"address"`
	Site        string      `json:"site"`
	Provider    string      `json:"provider"`
	Ready       int         `json:"ready"`
	Connections int         `json:"connections"`
	Suspended   *time.Time  `json:"suspended_until,omitempty"`
	Limits      *PathLimits `json:"limits,omitempty"`
	// Learning is each learned limit against the policy's bounds, with its
	// state (as in the queue summary's paths).
	Learning *PathView `json:"learning,omitempty"`
}

func (s *Server) dashboard(r *http.Request) *Dashboard {
	cfg := s.eng.Config()
	d := &Dashboard{Time: time.Now().UTC(), Version: s.opts.Version, Tenants: []string{policy.GlobalTenant},
		Sources: map[string]string{}, Queues: s.eng.QueueView(r.Context()), Paths: []DashboardPath{},
		Rates: map[string]rates.Window{}, Actions: s.eng.Shaping().List(), Policies: []PolicyInfo{}}
	for _, t := range cfg.Tenants {
		d.Tenants = append(d.Tenants, t.Name)
	}
	for _, src := range cfg.Sources {
		d.Sources[src.Name] = src.Address.String()
	}
	for _, p := range s.eng.PathsInfo() {
		dp := DashboardPath{Source: p.Source, Address: d.Sources[p.Source], Site: p.Site, Provider: p.Provider,
			Ready: p.Ready, Connections: p.Connections, Suspended: later(p.Suspended)}
		lim := PathLimits(p.PathLimits)
		dp.Limits = &lim
		pv := pathViewOf(p.Source, p.Site, p.Status)
		dp.Learning = &pv
		d.Paths = append(d.Paths, dp)
	}
	for _, by := range []string{rates.ByProvider, rates.BySource} {
		d.Rates[by] = s.eng.Rates().Snapshot(by)
	}
	if pl, err := s.listPolicies(r); err == nil {
		d.Policies = pl.([]PolicyInfo)
	}
	d.Tables = s.allTables(d.Tenants)
	if h := s.eng.History(); h != nil {
		ret := h.Retention()
		d.History = &ret
	}
	return d
}

// allTables lists the tables of every tenant ("*" too), none when the
// engine keeps no tables.
func (s *Server) allTables(tenants []string) []TableInfo {
	out := []TableInfo{}
	st := s.eng.Tables()
	if st == nil {
		return out
	}
	for _, t := range tenants {
		list, err := st.List(policy.TenantOf(t))
		if err != nil {
			s.log.Warn("dashboard: list tables", "tenant", t, "err", err)
			continue
		}
		for _, i := range list {
			out = append(out, tableInfo(i))
		}
	}
	return out
}

func later(t time.Time) *time.Time {
	if t.IsZero() || t.Before(time.Now()) {
		return nil
	}
	return &t
}

// dashboardStream sends a snapshot at once and then every streamEvery,
// until the client goes away or the server shuts down.
func (s *Server) dashboardStream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	t := time.NewTicker(streamEvery)
	defer t.Stop()
	for {
		data, err := s.snapshots.get(func() ([]byte, error) { return json.Marshal(s.dashboard(r)) })
		if err != nil {
			s.log.Error("dashboard snapshot", "err", err)
			return
		}
		if _, err := fmt.Fprintf(w, "event: snapshot\ndata: %s\n\n", data); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-t.C:
		}
	}
}

// snapshotCache shares one encoded snapshot among the streams open at the
// same time: a snapshot walks every queued item (QueueView), so ten open
// dashboards must not cost ten walks per period.
type snapshotCache struct {
	mu   sync.Mutex
	at   time.Time
	data []byte
}

func (c *snapshotCache) get(build func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.data != nil && time.Since(c.at) < streamEvery/2 {
		return c.data, nil
	}
	data, err := build()
	if err != nil {
		return nil, err
	}
	c.data, c.at = data, time.Now()
	return data, nil
}

package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/wasmta/wasmta/mta/smtptrace"
)

// registerSMTPTrace adds the live view of delivery sessions:
//
//	GET /v1/smtp-trace?domain=D&site=S&source=SRC   text/event-stream of smtptrace.Event
//
// Each event is one server-sent event, "data: {json}"; a comment line
// every 15 s keeps idle proxies from closing the stream.
func registerSMTPTrace(s *Server) {
	s.handle("GET /v1/smtp-trace", s.protected(http.HandlerFunc(s.smtpTrace)))
}

func (s *Server) smtpTrace(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := smtptrace.Filter{Source: q.Get("source")}
	if site := q.Get("site"); site != "" {
		f.Sites = append(f.Sites, site)
	}
	if d := q.Get("domain"); d != "" {
		if !validDomain(d) {
			writeError(w, Errorf(http.StatusBadRequest, "domain %q is not a domain name", d))
			return
		}
		site := s.eng.SiteOf(r.Context(), d)
		if site == "" {
			writeError(w, Errorf(http.StatusNotFound, "domain %q does not resolve to a destination site", d))
			return
		}
		f.Sites = append(f.Sites, site)
	}
	events, stop := s.eng.SMTPTrace().Watch(f)
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rc := http.NewResponseController(w)
	fmt.Fprintf(w, ": watching sites %v source %q\n\n", f.Sites, f.Source)
	rc.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case ev := <-events:
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "data: %s\n\n", b)
		}
		if rc.Flush() != nil {
			return
		}
	}
}

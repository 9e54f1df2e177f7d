package admin

import (
	"net/http"
)

// registerReload serves POST /v1/reload: the daemon reads its
// configuration file again (as on SIGHUP) and answers what changed, or
// why the file was refused (422, the running configuration stays).
func registerReload(s *Server) {
	s.Handle("POST /v1/reload", func(r *http.Request) (any, error) {
		if s.opts.Reload == nil {
			return nil, Errorf(http.StatusNotImplemented, "this server cannot reload its configuration")
		}
		return s.opts.Reload(r.Context())
	})
}

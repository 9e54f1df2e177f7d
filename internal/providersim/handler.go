package providersim

import (
	"encoding/json"
	"net/http"
)

// Handler serves the simulator's admin API:
//
//	GET  /stats    Stats() as JSON, keyed by provider name
//	POST /reset    ResetStats(), answers 204
//	GET  /domains  Domains() as JSON
//
// It is meant for a loopback admin port; it has no authentication.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Stats())
	})
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) {
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /domains", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Domains())
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // a failed write means the client left
}

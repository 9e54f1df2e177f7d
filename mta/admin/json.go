package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wasmta/wasmta/mta/message"
)

// HandlerFunc answers one API request: the value it returns is written as
// JSON with status 200; an error as {"error": text}, with the status of an
// *Error and 500 for any other error.
type HandlerFunc func(r *http.Request) (any, error)

// ServeHTTP implements http.Handler.
func (h HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v, err := h(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// Error is an API error: an HTTP status and a message for the client.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given HTTP status.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

func writeError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	var ae *Error
	if errors.As(err, &ae) {
		status = ae.Status
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// maxJSONBody bounds the JSON body of a request.
const maxJSONBody = 1 << 20

// DecodeJSON reads a JSON request body into v, refusing unknown fields
// and trailing data with 400.
func DecodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxJSONBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(http.StatusBadRequest, "request body: %v", err)
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, "request body: more than one JSON value")
	}
	return nil
}

// CheckSelector checks a selector read from a request and returns it with
// the domain lowercased: a tenant must be known (404 otherwise), a domain
// must look like one (400).
func (s *Server) CheckSelector(sel message.Selector) (message.Selector, error) {
	sel.Domain = strings.ToLower(sel.Domain)
	if sel.Tenant != "" {
		if err := s.CheckTenant(sel.Tenant); err != nil {
			return sel, err
		}
	}
	if sel.Domain != "" && !validDomain(sel.Domain) {
		return sel, Errorf(http.StatusBadRequest, "domain %q is not a domain name", sel.Domain)
	}
	if len(sel.Campaign) > 256 {
		return sel, Errorf(http.StatusBadRequest, "campaign is longer than 256 characters")
	}
	return sel, nil
}

// CheckTenant answers 404 for a tenant that is neither configured nor has
// mail in the queues (a policy may name tenants of its own).
func (s *Server) CheckTenant(name string) error {
	if s.eng.Config().Tenant(name) != nil || s.eng.ScheduledByTenant()[name] > 0 {
		return nil
	}
	return Errorf(http.StatusNotFound, "unknown tenant %q: not in the configuration and no mail queued", name)
}

// validDomain accepts letters, digits, '-', '.' and, for IDNs and
// address literals, any byte above 0x7f and '[', ']', ':'.
func validDomain(d string) bool {
	if d == "" || len(d) > 255 {
		return false
	}
	for _, c := range []byte(d) {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c >= 0x80 ||
			c == '[' || c == ']' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

package httpapi

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestRequireTLSField: "require_tls": true is REQUIRETLS (RFC 8689) for
// the messages a request makes, over HTTPS; over plain HTTP it is refused
// with a 400 naming the field, as SMTP refuses REQUIRETLS in clear.
func TestRequireTLSField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		https bool
		field any // require_tls in the request; nil leaves it out
		code  int
		flag  bool // the spooled messages' REQUIRETLS
	}{
		{"HTTPS, require_tls", true, true, http.StatusOK, true},
		{"HTTPS, require_tls false", true, false, http.StatusOK, false},
		{"HTTPS, absent", true, nil, http.StatusOK, false},
		{"HTTP, require_tls", false, true, http.StatusBadRequest, false},
		{"HTTP, absent", false, nil, http.StatusOK, false},
		{"not a boolean", true, "yes", http.StatusBadRequest, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, harnessOpts{https: tc.https})
			req := simple(obj{"recipients": []obj{{"address": "r1@example.org"}, {"address": "r2@example.org", "metadata": obj{"k": "v"}}}})
			if tc.field != nil {
				req["require_tls"] = tc.field
			}
			code, _, out := h.post(tokenAcme, req)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, out)
			}
			var resp struct {
				Messages []MessageInfo `json:"messages"`
				Fields   []FieldError  `json:"fields"`
			}
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatalf("answer %s: %v", out, err)
			}
			if code != http.StatusOK {
				if len(resp.Fields) == 0 || resp.Fields[0].Field != "require_tls" {
					t.Errorf("errors %+v, want one naming require_tls", resp.Fields)
				}
				return
			}
			if len(resp.Messages) != 2 {
				t.Fatalf("%d messages spooled, want 2 (one recipient has metadata of its own)", len(resp.Messages))
			}
			for _, mi := range resp.Messages {
				if m, _ := h.spooled(mi.ID); m.RequireTLS != tc.flag {
					t.Errorf("message %s spooled with REQUIRETLS %v, want %v", mi.ID, m.RequireTLS, tc.flag)
				}
			}
		})
	}
}

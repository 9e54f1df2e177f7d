package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/events"
)

// TestBadRequests: each mistake gets its 4xx and a message naming the
// field or the problem, and nothing is spooled.
func TestBadRequests(t *testing.T) {
	h := start(t, harnessOpts{limits: map[string]Limits{"acme": {MaxMessageBytes: 64 << 10, MaxRecipients: 3}}})
	big := base64.StdEncoding.EncodeToString(make([]byte, 100<<10))
	tests := []struct {
		name  string
		token string
		body  any
		code  int
		want  string // in the error text or a field
	}{
		{"no token", "", simple(nil), 401, "missing API token"},
		{"wrong token", "nope-0123456789", simple(nil), 401, "invalid API token"},
		{"empty body", tokenAcme, "", 400, "body is empty"},
		{"not JSON", tokenAcme, "{sender:", 400, "not valid JSON"},
		{"truncated", tokenAcme, `{"sender": "a@b.c"`, 400, "ends too early"},
		{"array", tokenAcme, `[1]`, 400, "want an object"},
		{"two values", tokenAcme, `{} {}`, 400, "more than one JSON value"},
		{"unknown field", tokenAcme, simple(obj{"sendr": "x"}), 400, "sendr: unknown field"},
		{"wrong type", tokenAcme, simple(obj{"recipients": "r@example.org"}), 400, "recipients: got a JSON string, want an array"},
		{"missing sender", tokenAcme, simple(obj{"sender": ""}), 400, "sender: missing"},
		{"bad sender", tokenAcme, simple(obj{"sender": "no-at-sign"}), 400, "sender: has no @"},
		{"no recipients", tokenAcme, simple(obj{"recipients": []obj{}}), 400, "recipients: missing or empty"},
		{"bad recipient", tokenAcme, simple(obj{"recipients": []obj{{"address": "ok@example.org"}, {"address": "bad@@x"}}}), 400,
			"recipients[1].address"},
		{"bad domain", tokenAcme, simple(obj{"recipients": []obj{{"address": "a@-x-.example"}}}), 400, "domain is not a host name"},
		{"duplicate recipient", tokenAcme, simple(obj{"recipients": []obj{{"address": "a@x.example"}, {"address": "A@x.example"}}}), 400,
			"is already recipients[0]"},
		{"too many recipients", tokenAcme, simple(obj{"recipients": []obj{{"address": "a@x.example"}, {"address": "b@x.example"},
			{"address": "c@x.example"}, {"address": "d@x.example"}}}), 400, "4 recipients, more than the limit of 3"},
		{"no content", tokenAcme, obj{"sender": "s@x.example", "recipients": []obj{{"address": "a@x.example"}}}, 400, "content: missing"},
		{"raw and content", tokenAcme, simple(obj{"raw": "From: a@b.c\r\n\r\nx"}), 400, "raw: give raw or content, not both"},
		{"raw without From", tokenAcme, obj{"sender": "s@x.example", "recipients": []obj{{"address": "a@x.example"}},
			"raw": "Subject: x\r\n\r\nbody"}, 400, "raw: has no From:"},
		{"raw long line", tokenAcme, obj{"sender": "s@x.example", "recipients": []obj{{"address": "a@x.example"}},
			"raw": "From: a@b.c\r\n\r\n" + strings.Repeat("x", 1000)}, 400, "raw: line 3 is 1000 characters long"},
		{"raw with substitutions", tokenAcme, obj{"sender": "s@x.example", "recipients": []obj{{"address": "a@x.example",
			"substitutions": obj{"a": 1}}}, "raw": "From: a@b.c\r\n\r\nx"}, 400, "recipients[0].substitutions: templating applies to content"},
		{"missing from", tokenAcme, simple(obj{"content": obj{"subject": "x", "text": "y"}}), 400, "content.from: missing"},
		{"bad from", tokenAcme, simple(obj{"content": obj{"from": "not an address", "text": "y"}}), 400, "content.from"},
		{"no body", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "subject": "x"}}), 400, "content: needs text, html or attachments"},
		{"reserved header", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": "y",
			"headers": obj{"Content-Type": "text/html"}}}), 400, "content.headers.Content-Type: set by wasmta"},
		{"header injection", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": "y",
			"headers": obj{"X-A": "a\r\nBcc: evil@x.example"}}}), 400, "content.headers.X-A: holds a line break"},
		{"bad base64", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": "y",
			"attachments": []obj{{"filename": "a.pdf", "data": "!!!"}}}}), 400, "content.attachments[0].data: not base64"},
		{"inline without html", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": "y",
			"inline_images": []obj{{"filename": "a.png", "content_id": "a", "data": "AAAA"}}}}), 400, "content.inline_images: need an html body"},
		{"inline without id", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "html": "<p>",
			"inline_images": []obj{{"filename": "a.png", "data": "AAAA"}}}}), 400, "content.inline_images[0].content_id: missing"},
		{"template syntax", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "subject": "Hi {{.name", "text": "y"}}), 400,
			"content.subject"},
		{"template define", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": `{{define "x"}}a{{end}}b`}}), 400,
			"content.text: {{define}} and {{block}} are not supported"},
		{"missing substitution", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": "Hi {{.name}}"}}), 400,
			`map has no entry for key "name"`},
		{"missing substitution names the recipient", tokenAcme, simple(obj{"recipients": []obj{{"address": "first@x.example"},
			{"address": "own@x.example", "substitutions": obj{"other": "v"}}}, "content": obj{"from": "a@x.example", "text": "Hi {{.name}}"}}), 400,
			`recipient own@x.example: content.text:`},
		{"missing shared substitution names the recipient", tokenAcme, simple(obj{"recipients": []obj{{"address": "first@x.example"}},
			"content": obj{"from": "a@x.example", "text": "Hi {{.name}}"}}), 400, `content.text: recipient first@x.example (recipients[0])`},
		{"substitution breaks subject", tokenAcme, simple(obj{"recipients": []obj{{"address": "a@x.example",
			"substitutions": obj{"s": "x\r\nBcc: y@z.example"}}}, "content": obj{"from": "a@x.example", "subject": "{{.s}}", "text": "y"}}), 400,
			"recipients[0].substitutions"},
		{"bad campaign", tokenAcme, simple(obj{"campaign": "spring\nsale"}), 400, "campaign"},
		{"oversized message", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": "y",
			"attachments": []obj{{"filename": "a.bin", "data": big}}}}), 413, "over the size limit of 65536 bytes"},
		{"oversized request", tokenAcme, simple(obj{"content": obj{"from": "a@x.example", "text": strings.Repeat("x", 2<<20)}}), 413,
			"request body over"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, hdr, out := h.post(tt.token, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, out)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			var e ErrorResponse
			if err := json.Unmarshal(out, &e); err != nil || e.Error == "" {
				t.Fatalf("error body %s: %v", out, err)
			}
			text := e.Error
			if code == http.StatusBadRequest && len(e.Fields) == 0 {
				t.Errorf("a 400 without fields: %s", out)
			}
			for _, f := range e.Fields {
				text += "\n" + f.Field + ": " + f.Problem
			}
			if !contains(text, tt.want) {
				t.Errorf("answer does not say %q:\n%s", tt.want, text)
			}
		})
	}
	if n := len(h.recs.All(events.Reception)); n != 0 {
		t.Errorf("%d messages were received from bad requests", n)
	}
}

// TestAllProblemsListed: a request with several mistakes gets them all,
// each naming its field.
func TestAllProblemsListed(t *testing.T) {
	h := start(t, harnessOpts{})
	code, _, out := h.post(tokenAcme, obj{"sender": "x", "recipients": []obj{{"address": "ok@x.example"}, {"address": "y"}},
		"content": obj{"from": "z", "text": "t"}})
	if code != http.StatusBadRequest {
		t.Fatalf("status %d: %s", code, out)
	}
	var e ErrorResponse
	json.Unmarshal(out, &e)
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "sender,recipients[1].address,content.from" {
		t.Errorf("fields %s, want sender,recipients[1].address,content.from\n%s", got, out)
	}
}

func TestMethodAndPath(t *testing.T) {
	h := start(t, harnessOpts{})
	resp, err := http.Get(h.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, err = http.Post(strings.TrimSuffix(h.url, "messages")+"mesages", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestWrongTokenIsRecorded(t *testing.T) {
	h := start(t, harnessOpts{})
	h.post("not-a-token-at-all", simple(nil))
	rj := h.recs.All(events.Rejection)
	if len(rj) != 1 || rj[0].Reason != "auth" || rj[0].Protocol != "HTTP" || !strings.HasPrefix(rj[0].Meta["auth_user"], "token:") {
		t.Fatalf("Rejection records %+v", rj)
	}
}

package httpapi

import (
	"bytes"
	"testing"
)

// FuzzRequest: no request body makes decoding or checking panic, and a
// request that passes the checks renders and builds, or fails with an
// error naming a field.
func FuzzRequest(f *testing.F) {
	f.Add([]byte(`{"sender":"a@b.example","recipients":[{"address":"r@x.example","substitutions":{"n":"<b>"}}],
		"content":{"from":"A <a@b.example>","subject":"{{.n}}","html":"<p>{{.n}}</p>","text":"x",
		"attachments":[{"filename":"a.txt","data":"aGVsbG8="}]}}`))
	f.Add([]byte(`{"sender":"a@b.example","recipients":[{"address":"r@x.example"}],"raw":"From: a@b.example\n\nx"}`))
	f.Add([]byte(`{"recipients":[{"address":"\"q u\"@[IPv6:::1]"}],"content":{"from":{"address":"x@y.z"}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeRequest(body)
		if err != nil {
			return
		}
		var p problems
		rcpts := checkEnvelope(req, 50, &p)
		checkForm(req, &p)
		j := &job{sender: req.Sender, subs: req.Substitutions, meta: req.Metadata}
		if req.Raw != nil {
			var msg string
			if j.raw, msg = parseRaw(*req.Raw, DefaultCampaignHeader); msg != "" {
				p.add("raw", "%s", msg)
			}
		}
		if req.Content != nil {
			j.plan = checkContent(req.Content, DefaultCampaignHeader, &p)
		}
		if len(p) > 0 {
			return
		}
		var ptrs []*rcpt
		for i := range rcpts {
			ptrs = append(ptrs, &rcpts[i])
		}
		vs, ferr := j.variants(ptrs, 1<<20)
		if ferr != nil {
			if ferr.Field == "" {
				t.Fatalf("template error without a field: %+v", ferr)
			}
			return
		}
		for _, v := range vs {
			msg, err := j.build(v, "mta.test", testTime)
			if err == nil && !bytes.HasSuffix(msg, []byte("\r\n")) {
				t.Fatalf("built message does not end with CRLF")
			}
		}
	})
}

// FuzzParseRaw: any raw message is refused with a reason or split into a
// header holding From and a body, CRLF throughout.
func FuzzParseRaw(f *testing.F) {
	f.Add("From: a@b\r\nX-Campaign: c\r\n\tfolded\r\n\r\nbody")
	f.Add("From: a@b\n\n")
	f.Add(" bad\r\nFrom: x\r\n\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, msg := parseRaw(s, DefaultCampaignHeader)
		if m == nil {
			if msg == "" {
				t.Fatal("refused without a reason")
			}
			return
		}
		out := m.assemble("id@mta.test", testTime)
		if bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) || bytes.Contains(out, []byte("\r\r")) {
			t.Fatalf("bare line ending in %q", out)
		}
	})
}

package engine

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/httpapi"
)

// The HTTP API end to end: a real engine with [http] on loopback, messages
// delivered to a testsink and read back there with net/mail and
// mime/multipart only.

const apiToken = "acme-api-token-0123456789"

func tokenHash(tok string) string {
	s := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(s[:])
}

// httpConfig is a tenant "acme" with an API token (and extra tenant keys),
// the HTTP API on a free port, and extra configuration.
func httpConfig(tenantExtra, extra string) string {
	return "[http]\nlisten = \"127.0.0.1:0\"\n" + extra +
		"[[tenant]]\nname = \"acme\"\napi_tokens_sha256 = [\"" + tokenHash(apiToken) + "\"]\n" + tenantExtra
}

func apiURL(e *Engine) string { return "http://" + e.HTTPAddr().String() + "/v1/messages" }

// postJSON posts v with the token and returns the status and body.
func postJSON(t testing.TB, url, token string, v any) (int, http.Header, []byte) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

func mustAccept(t testing.TB, url string, v any) httpapi.Response {
	t.Helper()
	code, _, body := postJSON(t, url, apiToken, v)
	var resp httpapi.Response
	if code != http.StatusOK || json.Unmarshal(body, &resp) != nil || resp.Rejected != 0 {
		t.Fatalf("status %d: %s", code, body)
	}
	return resp
}

type jsonObj = map[string]any

// delivered is a message read at the sink: header and leaves by media type
// (or file name), decoded.
type delivered struct {
	header mail.Header
	parts  map[string][]byte
	shape  string
}

func readDelivered(t *testing.T, data []byte) delivered {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, data)
	}
	d := delivered{header: m.Header, parts: map[string][]byte{}}
	d.shape = walkMIME(t, textproto.MIMEHeader(m.Header), m.Body, d.parts)
	return d
}

func walkMIME(t *testing.T, h textproto.MIMEHeader, r io.Reader, out map[string][]byte) string {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		switch h.Get("Content-Transfer-Encoding") {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, r)
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		key := mt
		if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
			key = dp["filename"]
		}
		out[key] = b
		return strings.TrimPrefix(mt, "text/")
	}
	var kids []string
	mr := multipart.NewReader(r, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return strings.TrimPrefix(mt, "multipart/") + "(" + strings.Join(kids, ",") + ")"
		}
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, walkMIME(t, p.Header, p, out))
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHTTPContentForms: each form of content is delivered with the right
// MIME structure; attachments and inline images come back byte for byte.
func TestHTTPContentForms(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, _ := testEngine(t, httpConfig("", routeTo(sink)), Options{})
	pdf, png := randomBytes(t, 150_000), randomBytes(t, 3000)
	att := []jsonObj{{"filename": "report.pdf", "data": base64.StdEncoding.EncodeToString(pdf)}}
	img := []jsonObj{{"filename": "logo.png", "content_id": "logo@shop", "data": base64.StdEncoding.EncodeToString(png)}}
	html := `<p>Prix: 10 €</p><img src="cid:logo@shop">`
	tests := []struct {
		name    string
		content jsonObj
		shape   string
	}{
		{"text", jsonObj{"text": "plain text\n"}, "plain"},
		{"html", jsonObj{"html": html}, "html"},
		{"text and html", jsonObj{"text": "t", "html": html}, "alternative(plain,html)"},
		{"html and inline", jsonObj{"html": html, "inline_images": img}, "related(html,image/png)"},
		{"attachments", jsonObj{"text": "see attached", "attachments": att}, "mixed(plain,application/pdf)"},
		{"everything", jsonObj{"text": "t", "html": html, "inline_images": img, "attachments": att},
			"mixed(related(alternative(plain,html),image/png),application/pdf)"},
	}
	for i, tt := range tests {
		tt.content["from"] = "Shöp <shop@sender.example>"
		tt.content["subject"] = "Grüße: " + tt.name
		tt.content["headers"] = jsonObj{"X-Campaign": "forms", "List-Unsubscribe": "<https://sender.example/u>"}
		mustAccept(t, apiURL(e), jsonObj{"sender": "b@sender.example", "content": tt.content,
			"recipients": []jsonObj{{"address": "r" + string(rune('a'+i)) + "@example.org", "name": "Rü"}}})
		if err := sink.WaitCount(waitCtx(t, 10*time.Second), i+1); err != nil {
			t.Fatal(err)
		}
		d := readDelivered(t, sink.Messages()[i].Data)
		if d.shape != tt.shape {
			t.Errorf("%s: structure %s, want %s", tt.name, d.shape, tt.shape)
		}
		if s, _ := new(mime.WordDecoder).DecodeHeader(d.header.Get("Subject")); s != "Grüße: "+tt.name {
			t.Errorf("%s: subject %q", tt.name, s)
		}
		if d.header.Get("X-Campaign") != "" || d.header.Get("List-Unsubscribe") == "" || d.header.Get("Message-Id") == "" {
			t.Errorf("%s: header %v", tt.name, d.header)
		}
		if got, ok := d.parts["report.pdf"]; ok && !bytes.Equal(got, pdf) {
			t.Errorf("%s: report.pdf differs (%d bytes, want %d)", tt.name, len(got), len(pdf))
		}
		if got, ok := d.parts["logo.png"]; ok && !bytes.Equal(got, png) {
			t.Errorf("%s: logo.png differs", tt.name)
		}
		if got, ok := d.parts["text/html"]; ok && string(got) != html+"\r\n" {
			t.Errorf("%s: html %q", tt.name, got)
		}
	}
	rec.WaitFor(t, events.Delivery, len(tests), 5*time.Second)
	for _, r := range rec.All(events.Reception) {
		if r.Protocol != "HTTP" || r.Tenant != "acme" || r.Campaign != "forms" {
			t.Errorf("Reception record %+v", r)
		}
	}
	for _, r := range rec.All(events.Delivery) {
		if r.Campaign != "forms" || r.Tenant != "acme" {
			t.Errorf("Delivery record %+v", r)
		}
	}
}

// TestHTTPPersonalised: per-recipient substitutions give each recipient
// its own message, HTML-escaped, and per-recipient metadata reaches that
// recipient's Delivery record.
func TestHTTPPersonalised(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, rec, _ := testEngine(t, httpConfig("", routeTo(sink)), Options{})
	resp := mustAccept(t, apiURL(e), jsonObj{
		"sender": "b@sender.example", "campaign": "welcome", "metadata": jsonObj{"batch": "7"},
		"recipients": []jsonObj{
			{"address": "ann@example.org", "substitutions": jsonObj{"name": "Ann <b>&</b>"}, "metadata": jsonObj{"user": "1"}},
			{"address": "bob@example.org", "substitutions": jsonObj{"name": "Bob"}, "metadata": jsonObj{"user": "2"}},
		},
		"content": jsonObj{"from": "shop@sender.example", "subject": "Hi {{.name}}", "html": "<p>Hi {{.name}}</p>"},
	})
	if len(resp.Messages) != 2 {
		t.Fatalf("answer %+v", resp)
	}
	rec.WaitFor(t, events.Delivery, 2, 10*time.Second)
	byRcpt := map[string]delivered{}
	for _, m := range sink.Messages() {
		byRcpt[m.To[0]] = readDelivered(t, m.Data)
	}
	if h := string(byRcpt["ann@example.org"].parts["text/html"]); h != "<p>Hi Ann &lt;b&gt;&amp;&lt;/b&gt;</p>\r\n" {
		t.Errorf("ann's html %q", h)
	}
	if s := byRcpt["bob@example.org"].header.Get("Subject"); s != "Hi Bob" {
		t.Errorf("bob's subject %q", s)
	}
	for _, d := range rec.All(events.Delivery) {
		want := map[string]string{"ann@example.org": "1", "bob@example.org": "2"}[d.Recipient]
		if d.Meta["user"] != want || d.Meta["batch"] != "7" || d.Campaign != "welcome" {
			t.Errorf("Delivery record of %s: meta %v campaign %q", d.Recipient, d.Meta, d.Campaign)
		}
	}
}

// TestHTTPS: with [http] tls_cert and tls_key the API speaks HTTPS, and
// the records say so.
func TestHTTPS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certPEM, keyPEM := selfSignedPEM(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if os.WriteFile(certFile, certPEM, 0o600) != nil || os.WriteFile(keyFile, keyPEM, 0o600) != nil {
		t.Fatal("writing the certificate")
	}
	sink := testsink.Start(t, testsink.Options{})
	tlsConf := fmt.Sprintf("tls_cert = %q\ntls_key = %q\n", certFile, keyFile)
	e, rec, _ := testEngine(t, httpConfig("", tlsConf+routeTo(sink)), Options{})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	data, _ := json.Marshal(jsonObj{"sender": "b@sender.example", "recipients": []jsonObj{{"address": "r@x.example"}},
		"content": jsonObj{"from": "a@sender.example", "text": "x"}})
	req, _ := http.NewRequest(http.MethodPost, "https://"+e.HTTPAddr().String()+"/v1/messages", bytes.NewReader(data))
	req.Header.Set("Authorization", "Bearer "+apiToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	rec.WaitFor(t, events.Delivery, 1, 10*time.Second)
	if r := rec.All(events.Reception)[0]; r.Protocol != "HTTPS" || r.TLS == nil || r.TLS.Version == "" {
		t.Errorf("Reception record %+v, want protocol HTTPS with TLS details", r)
	}
}

func selfSignedPEM(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	cert, err := selfsigned.Certificate(time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err = selfsigned.PEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM
}

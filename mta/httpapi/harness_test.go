package httpapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/textproto"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
)

// The tests run the API on 127.0.0.1 over real HTTP, with a real Pebble
// spool as the Submitter, and read what was spooled back from it.

const (
	tokenAcme = "acme-token-0123456789"
	tokenBeta = "beta-token-0123456789"
)

type harness struct {
	t     *testing.T
	url   string
	spool *spool.Store
	srv   *Server
	recs  *testrec.Recorder
	// client sends the requests: http.DefaultClient, or one that trusts
	// the server's self-signed certificate with harnessOpts.https.
	client *http.Client
}

type harnessOpts struct {
	limits   map[string]Limits
	policy   policy.Policy
	sign     func(ctx context.Context, m *message.Message, choice string, msg []byte) ([]byte, error)
	minFree  int64
	maxBytes int64
	maxReq   int64 // MaxRequestBytes
	inFlight int64 // MaxDataInFlight
	maxHops  int
	https    bool // serve HTTPS with a self-signed certificate
}

func start(t *testing.T, o harnessOpts) *harness {
	t.Helper()
	minFree := int64(-1) // no free-space check, unless a test wants the spool full
	if o.minFree > 0 {
		minFree = o.minFree
	}
	st, err := spool.Open(filepath.Join(t.TempDir(), "spool"), spool.Options{MinFreeBytes: minFree})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h := &harness{t: t, spool: st, recs: testrec.New()}
	var reg policy.Registry
	if o.policy != nil {
		reg = fixedRegistry{o.policy}
	}
	h.srv, err = New(Options{
		Hostname: "mta.test",
		Authenticate: func(tok string) (string, bool) {
			switch tok {
			case tokenAcme:
				return "acme", true
			case tokenBeta:
				return "beta", true
			}
			return "", false
		},
		TenantLimits:    func(tn string) Limits { return o.limits[tn] },
		MaxMessageBytes: o.maxBytes,
		MaxRequestBytes: o.maxReq,
		MaxDataInFlight: o.inFlight,
		MaxHops:         o.maxHops,
		Policy:          policy.NewGuard(reg, nil, nil),
		Submitter:       spoolSubmitter{st},
		Sign:            o.sign,
		Records:         h.recs,
		TLSConfig:       h.serverTLS(o.https),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go h.srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		h.srv.Shutdown(ctx)
	})
	h.url = "http://" + ln.Addr().String() + "/v1/messages"
	if o.https {
		h.url = "https://" + ln.Addr().String() + "/v1/messages"
	}
	return h
}

// serverTLS is the server's TLS configuration with https (a self-signed
// certificate), and sets the client that trusts it.
func (h *harness) serverTLS(https bool) *tls.Config {
	h.client = http.DefaultClient
	if !https {
		return nil
	}
	cert, err := selfsigned.Certificate(time.Hour, "127.0.0.1")
	if err != nil {
		h.t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert.Leaf)
	h.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	return &tls.Config{Certificates: []tls.Certificate{cert}}
}

// spoolSubmitter submits straight to the spool (the engine also queues).
type spoolSubmitter struct{ *spool.Store }

func (s spoolSubmitter) Submit(ctx context.Context, m *message.Message, body []byte, spooled func()) error {
	if err := s.Put(ctx, m, body); err != nil {
		return err
	}
	if spooled != nil {
		spooled()
	}
	return nil
}

type fixedRegistry struct{ p policy.Policy }

func (r fixedRegistry) For(string) policy.Policy { return r.p }

// post sends body (a string, or a value to encode) with token and returns
// the status, the headers and the body.
func (h *harness) post(token string, body any) (int, http.Header, []byte) {
	h.t.Helper()
	var data []byte
	switch b := body.(type) {
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	req, err := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(data))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

// accept posts and requires a 200 with every recipient accepted.
func (h *harness) accept(body any) *Response {
	h.t.Helper()
	code, _, out := h.post(tokenAcme, body)
	if code != http.StatusOK {
		h.t.Fatalf("status %d, want 200: %s", code, out)
	}
	var resp Response
	if err := json.Unmarshal(out, &resp); err != nil {
		h.t.Fatalf("answer %s: %v", out, err)
	}
	if resp.Rejected != 0 {
		h.t.Fatalf("rejected recipients: %s", out)
	}
	return &resp
}

// spooled returns a message and its body from the spool.
func (h *harness) spooled(id string) (*message.Message, []byte) {
	h.t.Helper()
	mid, err := message.ParseID(id)
	if err != nil {
		h.t.Fatal(err)
	}
	m, err := h.spool.Message(mid)
	if err != nil {
		h.t.Fatal(err)
	}
	body, err := h.spool.Body(mid)
	if err != nil {
		h.t.Fatal(err)
	}
	return m, body
}

// obj is shorthand for JSON objects in tests.
type obj = map[string]any

func simple(extra obj) obj {
	req := obj{
		"sender":     "bounces@sender.example",
		"recipients": []obj{{"address": "r1@example.org"}},
		"content":    obj{"from": "Shop <shop@sender.example>", "subject": "Hello", "text": "Hi there\n"},
	}
	for k, v := range extra {
		req[k] = v
	}
	return req
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

var testTime = time.Date(2025, 11, 4, 10, 0, 0, 0, time.UTC)

// parseSpooled reads a spooled body and returns its header and its text
// parts by media type, decoded.
func parseSpooled(t *testing.T, body []byte) (*mail.Message, map[string]string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	walkParts(t, textproto.MIMEHeader(m.Header), m.Body, parts)
	return m, parts
}

func walkParts(t *testing.T, h textproto.MIMEHeader, r io.Reader, out map[string]string) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			walkParts(t, p.Header, p, out)
		}
	}
	if h.Get("Content-Transfer-Encoding") == "quoted-printable" {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	out[mt] = string(b)
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

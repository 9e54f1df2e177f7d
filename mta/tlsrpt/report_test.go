package tlsrpt

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wasmta/wasmta/internal/testdns"
	"github.com/wasmta/wasmta/mta/dane"
	"github.com/wasmta/wasmta/mta/dnsquery"
	"github.com/wasmta/wasmta/mta/mtasts"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/tlspolicy"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile("testdata/tlsrpt-report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, js []byte) error {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

func stsPol(domain string) *tlspolicy.Policy {
	return &tlspolicy.Policy{Domain: domain, STS: mtasts.Result{Domain: domain,
		Policy: &mtasts.Policy{Mode: mtasts.ModeEnforce, MX: []string{"*.mx." + domain}, MaxAge: time.Hour}}}
}

type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// TestReportsAreSentAndValid counts a day of sessions for two domains,
// then, the next day, sends each report where its TLSRPT record says: a
// real HTTPS POST and a mail. Both reports validate against the schema
// written from RFC 8460 section 4.4 and carry the counts.
func TestReportsAreSentAndValid(t *testing.T) {
	schema := compileSchema(t)
	d := testdns.Start(t)
	var mu sync.Mutex
	var posted [][]byte
	var ctype string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posted, ctype = append(posted, b), r.Header.Get("Content-Type")
		mu.Unlock()
	}))
	defer srv.Close()
	d.SetTXT("_smtp._tls.sts.test", 300, "v=TLSRPTv1; rua="+srv.URL+"/tlsrpt")
	d.SetTXT("_smtp._tls.dane.test", 300, "v=TLSRPTv1;rua=mailto:tls@dane.test")
	st, err := spool.Open(filepath.Join(t.TempDir(), "spool"), spool.Options{MinFreeBytes: -1, BallastBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	day := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	clk := &fixedClock{t: day}
	var mails []string
	var mailTo []string
	opts := Options{Store: st, DNS: &dnsquery.Client{Server: d.Addr(), Timeout: 2 * time.Second},
		Submitter: "mta.test", Roots: poolOf(srv), Now: clk.now,
		Mail: func(_ context.Context, to string, body []byte) error {
			mails, mailTo = append(mails, string(body)), append(mailTo, to)
			return nil
		}}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	src, mx := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7")
	sts := stsPol("sts.test")
	for range 5 {
		r.Record(sts, src, "a.mx.sts.test", mx, nil)
	}
	for range 2 {
		r.Record(sts, src, "b.mx.sts.test", mx, &tlspolicy.Failure{Result: tlspolicy.ResultCertExpired})
	}
	r.Record(sts, src, "c.mx.sts.test", netip.Addr{}, &tlspolicy.Failure{Result: tlspolicy.ResultValidationFailure})
	danePol := &tlspolicy.Policy{Domain: "dane.test", DANE: dane.Result{Secure: true,
		Hosts: map[string]dane.Host{"mx.dane.test": {Name: "mx.dane.test", Records: []dane.Record{{Usage: 3, Selector: 1, Matching: 1, Data: make([]byte, 32)}}}}}}
	r.Record(danePol, src, "mx.dane.test", mx, &tlspolicy.Failure{Result: tlspolicy.ResultTLSAInvalid})
	r.Record(&tlspolicy.Policy{Domain: "none.test"}, src, "mx.none.test", mx, nil) // no policy: not counted

	// Same day: nothing is due. A restart keeps the counts.
	if n, err := r.SendDue(context.Background()); n != 0 || err != nil {
		t.Fatalf("SendDue on the same day = %d, %v", n, err)
	}
	if r, err = New(opts); err != nil {
		t.Fatal(err)
	}
	clk.set(day.Add(24 * time.Hour))
	if n, err := r.SendDue(context.Background()); n != 2 || err != nil {
		t.Fatalf("SendDue the next day = %d, %v; want 2 reports", n, err)
	}
	if ctype != "application/tlsrpt+gzip" || len(posted) != 1 {
		t.Fatalf("POSTs: %d with %q", len(posted), ctype)
	}
	stsRep := gunzip(t, posted[0])
	if err := validate(t, schema, stsRep); err != nil {
		t.Errorf("the https report does not validate: %v\n%s", err, stsRep)
	}
	var got Report
	json.Unmarshal(stsRep, &got)
	p := got.Policies[0]
	if p.Policy.Type != "sts" || p.Policy.Domain != "sts.test" || p.Summary.Successful != 5 || p.Summary.Failed != 3 ||
		len(p.FailureDetails) != 2 || p.FailureDetails[0].FailedSessionCount != 2 || p.FailureDetails[0].ResultType != "certificate-expired" {
		t.Errorf("sts report = %+v", got)
	}
	if got.DateRange.Start != time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC) || !strings.Contains(strings.Join(p.Policy.String, "\n"), "mode: enforce") {
		t.Errorf("date range %+v, policy strings %q", got.DateRange, p.Policy.String)
	}
	if len(mails) != 1 || mailTo[0] != "tls@dane.test" {
		t.Fatalf("mails to %v", mailTo)
	}
	daneRep := reportOfMail(t, mails[0])
	if err := validate(t, schema, daneRep); err != nil {
		t.Errorf("the mailed report does not validate: %v\n%s", err, daneRep)
	}
	// Sent reports are gone: nothing more the day after.
	clk.set(day.Add(48 * time.Hour))
	if n, _ := r.SendDue(context.Background()); n != 0 {
		t.Errorf("%d reports sent again", n)
	}
}

// TestSchemaRefusesBrokenReports: the schema is not vacuous.
func TestSchemaRefusesBrokenReports(t *testing.T) {
	schema := compileSchema(t)
	good := `{"organization-name":"o","date-range":{"start-datetime":"2026-12-05T00:00:00Z","end-datetime":"2026-12-05T23:59:59Z"},"contact-info":"c","report-id":"r","policies":[{"policy":{"policy-type":"sts","policy-domain":"d"},"summary":{"total-successful-session-count":1,"total-failure-session-count":0}}]}`
	if err := validate(t, schema, []byte(good)); err != nil {
		t.Fatalf("a minimal report does not validate: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(good, `"report-id":"r",`, ``, 1),
		strings.Replace(good, `"sts"`, `"dmarc"`, 1),
		strings.Replace(good, `"2026-12-05T00:00:00Z"`, `"yesterday"`, 1),
		strings.Replace(good, `"total-successful-session-count":1`, `"total-successful-session-count":-1`, 1),
		strings.Replace(good, `"summary"`, `"failure-details":[{"result-type":"oops","failed-session-count":1}],"summary"`, 1),
	} {
		if err := validate(t, schema, []byte(bad)); err == nil {
			t.Errorf("the schema accepts %s", bad)
		}
	}
}

func TestParseTXT(t *testing.T) {
	tests := []struct {
		txt  string
		want int
	}{
		{"v=TLSRPTv1; rua=mailto:a@example.com", 1},
		{"v=TLSRPTv1;rua=mailto:a@example.com,https://r.example.com/x", 2},
		{"v=TLSRPTv1; rua=http://insecure.example.com/x", 0},
		{"v=TLSRPTv2; rua=mailto:a@example.com", 0},
		{"rua=mailto:a@example.com; v=TLSRPTv1", 0},
	}
	for _, tt := range tests {
		got, err := ParseTXT(tt.txt)
		if len(got) != tt.want || (tt.want == 0) != (err != nil) {
			t.Errorf("ParseTXT(%q) = %v, %v; want %d destinations", tt.txt, got, err, tt.want)
		}
	}
}

func gunzip(t *testing.T, gz []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// reportOfMail checks the mail's form (RFC 8460 section 5.3) and returns
// the JSON of its attachment.
func reportOfMail(t *testing.T, raw string) []byte {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("TLS-Report-Domain") != "dane.test" || m.Header.Get("TLS-Report-Submitter") != "mta.test" {
		t.Errorf("report headers: %v", m.Header)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/report" || params["report-type"] != "tlsrpt" {
		t.Fatalf("Content-Type %q", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal("no application/tlsrpt+gzip part")
		}
		if p.Header.Get("Content-Type") == "application/tlsrpt+gzip" {
			if fn := p.FileName(); !strings.HasPrefix(fn, "mta.test!dane.test!") || !strings.HasSuffix(fn, ".json.gz") {
				t.Errorf("file name %q", fn)
			}
			b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			return gunzip(t, b)
		}
	}
}

func poolOf(srv *httptest.Server) *x509.CertPool {
	return srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
}

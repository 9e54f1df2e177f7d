package intake

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

func TestRateBucketPerTenant(t *testing.T) {
	in := New(Options{MaxMessageBytes: 1 << 20, MaxRecipients: 10, TenantLimits: func(tn string) Limits {
		if tn == "none" {
			return Limits{}
		}
		return Limits{MessagesPerMinute: 60}
	}})
	now := time.Now()
	for i := range 60 {
		if ok, _ := in.Take("t", 1, now); !ok {
			t.Fatalf("message %d of a 60/min burst refused", i)
		}
	}
	if ok, wait := in.Take("t", 1, now); ok || wait <= 0 || wait > 2*time.Second {
		t.Fatalf("61st message: ok=%v wait=%v, want refused with a wait of about 1 s", ok, wait)
	}
	if ok, _ := in.Take("other", 1, now); !ok {
		t.Fatal("another tenant shares the bucket")
	}
	if ok, _ := in.Take("t", 1, now.Add(1100*time.Millisecond)); !ok {
		t.Fatal("no token after a second at 60/min")
	}
	if ok, wait := in.Take("other", 61, now); ok || wait != 0 {
		t.Fatalf("61 at once: ok=%v wait=%v, want refused for good (wait 0)", ok, wait)
	}
	if ok, _ := in.Take("none", 1000, now); !ok {
		t.Fatal("no rate limit must mean unlimited")
	}
}

func TestLimitsCeiling(t *testing.T) {
	in := New(Options{MaxMessageBytes: 1000, MaxRecipients: 10, TenantLimits: func(tn string) Limits {
		return map[string]Limits{"low": {MaxMessageBytes: 500, MaxRecipients: 2}, "high": {MaxMessageBytes: 5000, MaxRecipients: 50}}[tn]
	}})
	tests := []struct {
		tenant string
		want   Limits
	}{
		{"low", Limits{500, 2, 0}},
		{"high", Limits{1000, 10, 0}},
		{"", Limits{1000, 10, 0}},
	}
	for _, tc := range tests {
		if got := in.Limits(tc.tenant); got != tc.want {
			t.Errorf("Limits(%q) = %+v, want %+v", tc.tenant, got, tc.want)
		}
	}
}

func TestAddressSyntax(t *testing.T) {
	tests := []struct {
		f    func(string) bool
		name string
		in   string
		want bool
	}{
		{IsDotString, "IsDotString", "a.b+c", true},
		{IsDotString, "IsDotString", "a..b", false},
		{IsDotString, "IsDotString", ".a", false},
		{IsDotString, "IsDotString", "josé", true},
		{IsDotString, "IsDotString", "a b", false},
		{ValidLocal, "ValidLocal", `"a b"`, true},
		{ValidLocal, "ValidLocal", `"a\"b"`, true},
		{ValidLocal, "ValidLocal", "\"a\x01b\"", false},
		{ValidDomain, "ValidDomain", "example.com", true},
		{ValidDomain, "ValidDomain", "-x.example", false},
		{ValidDomain, "ValidDomain", "a_b.example", false},
		{ValidDomain, "ValidDomain", "[192.0.2.1]", true},
		{ValidDomain, "ValidDomain", "[IPv6:2001:db8::1]", true},
		{ValidDomain, "ValidDomain", "[IPv6:192.0.2.1]", false},
		{ValidDomain, "ValidDomain", "bücher.example", true},
		{ValidDomain, "ValidDomain", strings.Repeat("a.", 128) + "a", false},
		{ValidFieldName, "ValidFieldName", "X-Tag", true},
		{ValidFieldName, "ValidFieldName", "X Tag", false},
		{ValidFieldName, "ValidFieldName", strings.Repeat("x", 77), false},
	}
	for _, tc := range tests {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
	if q := QuoteLocal(`a"b c`); q != `"a\"b c"` {
		t.Errorf("QuoteLocal = %s", q)
	}
}

func TestAppendHeaderFieldsSanitises(t *testing.T) {
	hs := []policy.Header{
		{Name: "X-Ok", Value: "one\r\nBcc: victim@example.com"},
		{Name: strings.Repeat("N", 77), Value: "dropped: name too long"},
		{Name: "Bad Name", Value: "dropped"},
		{Name: "X-Long", Value: strings.Repeat("é", 3000)},
	}
	for range 100 {
		hs = append(hs, policy.Header{Name: "X-Many", Value: "v"})
	}
	b := AppendHeaderFields(nil, hs)
	if len(b) != HeaderFieldsLen(hs) {
		t.Fatalf("HeaderFieldsLen %d, appended %d", HeaderFieldsLen(hs), len(b))
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")
	if lines[0] != "X-Ok: one  Bcc: victim@example.com" {
		t.Errorf("first field %q: a policy split the header", lines[0])
	}
	long := strings.TrimPrefix(lines[1], "X-Long: ")
	if len(long) > MaxFieldValue || !strings.HasPrefix(lines[1], "X-Long: ") || !strings.HasSuffix(long, "é") {
		t.Errorf("long value: %d bytes, want cut at a character boundary under %d", len(long), MaxFieldValue)
	}
	if n := len(lines); n != MaxAddedHeaders-2 {
		t.Errorf("%d fields written, want %d (cap %d, two invalid names dropped)", n, MaxAddedHeaders-2, MaxAddedHeaders)
	}
}

func TestNewMessageSharesNothing(t *testing.T) {
	env := &Envelope{Tenant: "a", Campaign: "c", Sender: "s@x.example", Recipients: []string{"r@y.example"},
		Meta: map[string]string{"k": "env", "e": "1"}, Peer: "192.0.2.1:25", Protocol: "ESMTP"}
	res := &policy.MessageResult{Tenant: "b", Meta: map[string]string{"k": "res"}}
	now := time.Now()
	m := NewMessage(env, res, message.NewID(now), now)
	if m.Tenant != "b" || m.Campaign != "c" || m.Meta["k"] != "res" || m.Meta["e"] != "1" || m.Recipients[0].Addr != "r@y.example" {
		t.Fatalf("message %+v", m)
	}
	m.Meta["k"] = "changed"
	if env.Meta["k"] != "env" || res.Meta["k"] != "res" {
		t.Error("the message shares a map with its inputs")
	}
	if MergeMeta(nil, map[string]string{}) != nil {
		t.Error("MergeMeta of nothing is not nil")
	}
}

func TestRefusal(t *testing.T) {
	tests := []struct {
		in   policy.Reply
		want policy.Reply
	}{
		{policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}, policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}},
		{policy.Reply{Code: 250, Text: "x"}, policy.Reply{Code: 550, Enhanced: "5.0.0", Text: "x"}},
		{policy.Reply{Code: 451, Enhanced: "5.7.1"}, policy.Reply{Code: 451, Enhanced: "4.0.0", Text: "Refused by policy"}},
		{policy.Reply{Code: 550, Enhanced: "5.1000.1", Text: "a\r\n250 ok"}, policy.Reply{Code: 550, Enhanced: "5.0.0", Text: "a  250 ok"}},
		{policy.Reply{Code: 550, Enhanced: "5.+1.1", Text: "x"}, policy.Reply{Code: 550, Enhanced: "5.0.0", Text: "x"}},
	}
	for _, tc := range tests {
		if got := Refusal(&tc.in); got != tc.want {
			t.Errorf("Refusal(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	long := Refusal(&policy.Reply{Code: 550, Text: strings.Repeat("ü", 400)})
	if len(long.Text) > MaxReplyText || !strings.HasSuffix(long.Text, "ü") {
		t.Errorf("long text: %d bytes, want at most %d, cut between characters", len(long.Text), MaxReplyText)
	}
}

func TestCountReceived(t *testing.T) {
	tests := []struct {
		header string
		want   int
	}{
		{"", 0},
		{"Received: from a\r\n\tby b; date\r\nRECEIVED : x\r\nreceived:y\r\n", 3},
		{"X-Received: no\r\nReceived-SPF: pass\r\nSubject: Received: no\r\n", 0},
		{"Received: from a\n by b\nReceived: c", 2},
		{strings.Repeat("Received: hop\r\n", 60), 60},
	}
	for _, tc := range tests {
		if got := CountReceived([]byte(tc.header)); got != tc.want {
			t.Errorf("CountReceived(%q) = %d, want %d", tc.header, got, tc.want)
		}
	}
}

func TestHeaderLen(t *testing.T) {
	tests := []struct {
		msg  string
		want int
		sep  bool
	}{
		{"Subject: a\r\n\r\nbody\r\n", 12, false},
		{"Subject: a\r\n folded\r\nFrom: b\r\n\r\nbody\r\n", 30, false},
		{"Hello world, no header here\r\nsecond line\r\n", 0, true},
		{"Dear Bob: hello\r\n\r\nbody\r\n", 0, true}, // "Dear Bob" is not a field name
		{"\r\nbody only\r\n", 0, false},
		{" continuation first\r\n", 0, true},
		{"Subject: a\r\nthis is body\r\n", 12, true},
		{"Subject: only a header\r\n", 24, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		got := HeaderLen([]byte(tc.msg))
		if got != tc.want || NeedsSeparator([]byte(tc.msg), got) != tc.sep {
			t.Errorf("HeaderLen(%q) = %d (separator %v), want %d (%v)", tc.msg, got,
				NeedsSeparator([]byte(tc.msg), got), tc.want, tc.sep)
		}
	}
}

func TestBudget(t *testing.T) {
	b := NewBudget(100)
	m1, m2 := b.Meter(), b.Meter()
	if !m1.Hold(60) || !m1.Hold(40) || m1.Held() != 60 {
		t.Fatalf("first meter: held %d, want 60", m1.Held())
	}
	if m2.Hold(50) || m2.Held() != 0 {
		t.Fatal("a reservation past the budget was granted")
	}
	if !m2.Hold(40) || b.Free() != 0 {
		t.Fatalf("free %d, want 0", b.Free())
	}
	m1.Release()
	m2.Release()
	if b.Used() != 0 {
		t.Fatalf("used %d after release", b.Used())
	}
	var none *Budget
	if m := none.Meter(); !m.Hold(1<<40) || none.Free() <= 0 {
		t.Fatal("a nil budget must not limit")
	}
}

// BenchmarkChecks is what intake adds to each SMTP message on top of
// what reception did before: the header section scan (with the hop count
// and the Date/Message-ID check in the same pass) and a data budget
// reservation, on a typical header of 12 fields.
func BenchmarkChecks(b *testing.B) {
	msg := []byte("Received: from a.example by b.example; Sat, 5 Dec 2026 10:00:00 +0000\r\n" +
		"From: Shop <shop@sender.example>\r\nTo: r@example.org\r\nSubject: Your order\r\n" +
		"Date: Sat, 5 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@sender.example>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n" +
		"List-Unsubscribe: <mailto:u@sender.example>\r\nX-Campaign: spring\r\nX-Mailer: app 1.0\r\n\r\n" +
		strings.Repeat(strings.Repeat("x", 74)+"\r\n", 40))
	in := New(Options{MaxMessageBytes: 1 << 20, MaxRecipients: 10, MaxHops: 50, MaxDataInFlight: 512 << 20})
	now := time.Now()
	var fields []byte
	b.ReportAllocs()
	for b.Loop() {
		h := ScanHeader(msg)
		if in.Loops(h) || NeedsSeparator(msg, h.Len) {
			b.Fatal("misread")
		}
		fields = AppendMissingFields(fields[:0], h, "id@host", now)
		m := in.Budget().Meter()
		m.Hold(int64(len(msg)))
		m.Release()
	}
}

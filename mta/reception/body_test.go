package reception

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/body/*.golden")

// TestBodyGolden runs each testdata/body/*.eml, taken as the data of a DATA
// command, through the path from canonical form to the spooled body and
// compares with the .golden file beside it. A mismatch writes a .got file;
// -update rewrites the goldens.
func TestBodyGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/body/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	srv := &Server{opts: Options{Hostname: "mx.test", CampaignHeader: DefaultCampaignHeader}}
	for _, file := range files {
		name := strings.TrimSuffix(file, ".eml")
		t.Run(filepath.Base(name), func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := spoolForm(t, srv, in)
			golden := name + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				os.WriteFile(name+".got", got, 0o644)
				t.Errorf("spooled form differs from %s (see %s.got):\n got %q\nwant %q", golden, name, got, want)
			}
		})
	}
}

// spoolForm returns "campaign: X\n" and the spooled body, or the refusal.
func spoolForm(t *testing.T, srv *Server, in []byte) []byte {
	data, norm, rerr := srv.canonical(in)
	if rerr != nil {
		return []byte("refused: " + itoa(rerr.Code) + " " + enhancedString(rerr.EnhancedCode) + " " + rerr.Message + "\n")
	}
	if norm != nil {
		defer srv.putBuf(norm)
	}
	_, campaign, c := srv.split(data, nil)
	id, _ := message.ParseID("18a0b1c2d3e4f5060708090a0b0c0d0e")
	m := &message.Message{
		ID: id, ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Helo: "client.test",
		Protocol: "ESMTPS", Recipients: []message.Recipient{{Addr: "b@example.net"}},
	}
	res := &policy.MessageResult{AddHeaders: []policy.Header{
		{Name: "X-Policy", Value: "tag\r\nInjected: no"},
		{Name: "Bad Name", Value: "dropped"},
	}}
	body, err := srv.buildBody(m, netip.MustParseAddr("192.0.2.7"), res, &c)
	if err != nil {
		t.Fatal(err)
	}
	if countBareLineEndings(body) != 0 {
		t.Errorf("spooled body has bare line endings: %q", body)
	}
	return append([]byte("campaign: "+campaign+"\n"), body...)
}

func TestReceivedIPv6(t *testing.T) {
	m := &message.Message{Protocol: "ESMTP", ReceivedAt: time.Unix(0, 0)}
	got := string(appendReceived(nil, m, netip.MustParseAddr("2001:db8::7"), "mx.test"))
	if !strings.HasPrefix(got, "Received: from unknown ([IPv6:2001:db8::7])\r\n") {
		t.Errorf("Received for an IPv6 client without HELO: %q", got)
	}
	m.Helo = "bad(helo)\r\nX: y"
	got = string(appendReceived(nil, m, netip.Addr{}, "mx.test"))
	if !strings.HasPrefix(got, "Received: from bad?helo???X:?y (unknown)\r\n") {
		t.Errorf("HELO not made safe: %q", got)
	}
}

// TestReceivedDate: the date shared by the messages of one second is the
// one each would get on its own, whatever the order of the times.
func TestReceivedDate(t *testing.T) {
	base := time.Date(2026, 11, 26, 21, 4, 5, 0, time.FixedZone("CET", 3600))
	times := []time.Time{
		base, base.Add(999 * time.Millisecond), base.Add(time.Second), base,
		base.Add(-time.Nanosecond), base.Add(24 * time.Hour).In(time.UTC), time.Unix(0, 0),
	}
	for _, at := range times {
		want := at.UTC().Format(time.RFC1123Z)
		if got := string(appendDate(nil, at)); got != want {
			t.Errorf("appendDate(%v) = %q, want %q", at, got, want)
		}
	}
}

func TestNormalizeLineEndings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\rb\r", "a\r\nb\r\n"},
		{"a\r\r\nb", "a\r\nb"},
		{"\r\r\rx", "\r\n\r\n\r\nx"},
		{"\n\r", "\r\n\r\n"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := string(normalizeLineEndings(nil, []byte(tc.in))); got != tc.want {
			t.Errorf("normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := countBareLineEndings([]byte(tc.want)); got != 0 {
			t.Errorf("%q still has %d bare line endings", tc.want, got)
		}
	}
}

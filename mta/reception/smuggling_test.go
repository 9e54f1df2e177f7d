package reception

import (
	"strings"
	"testing"
)

// smuggled is a whole second transaction hidden after a fake end of data;
// its own "\r\n.\r\n" is the only real end of data the client sends.
const smuggled = "MAIL FROM:<evil@attacker.test>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n" +
	"Subject: smuggled\r\n\r\nevil\r\n.\r\n"

// TestSmugglingNeverSplits sends, for each end-of-data look-alike, one
// message whose body holds the sequence and then a smuggled transaction.
// The server must answer the DATA once and then QUIT (no replies to the
// smuggled commands), and spool one message or none, never two; what it
// spools has CRLF lines only, so delivery dot-stuffing keeps it whole
// downstream too.
func TestSmugglingNeverSplits(t *testing.T) {
	tests := []struct {
		name, seq string
		// want is the DATA reply prefix in the default (normalising) mode and
		// with RejectBareLineEndings.
		want, wantStrict string
		// inBody is what the sequence became in the spooled body.
		inBody string
	}{
		{"LF.LF", "\n.\n", "250 ", "550 5.6.0 ", "first\r\n.\r\nMAIL FROM:<evil"},
		{"CR.CR", "\r.\r", "250 ", "550 5.6.0 ", "first\r\n.\r\nMAIL FROM:<evil"},
		{"LF.CRLF", "\n.\r\n", "250 ", "550 5.6.0 ", "first\r\n.\r\nMAIL FROM:<evil"},
		{"CR.CRLF", "\r.\r\n", "250 ", "550 5.6.0 ", "first\r\n.\r\nMAIL FROM:<evil"},
		// go-smtp unstuffs the dot and drops the CR after it.
		{"CRLF.CR", "\r\n.\r", "250 ", "250 ", "first\r\nMAIL FROM:<evil"},
		{"CRLF NUL.CRLF", "\r\n\x00.\r\n", "550 5.6.0 ", "550 5.6.0 ", ""},
		{"CRLF.LF", "\r\n.\n", "250 ", "550 5.6.0 ", "first\r\n\r\nMAIL FROM:<evil"},
		{"CRCRLF.CRLF", "\r\r\n.\r\n", "250 ", "550 5.6.0 ", "first\r\n.\r\nMAIL FROM:<evil"},
	}
	for _, strict := range []bool{false, true} {
		f := start(t, Options{RelayNets: loopbackNets, RejectBareLineEndings: strict}, nil)
		for _, tc := range tests {
			name := tc.name
			want := tc.want
			if strict {
				name += "/strict"
				want = tc.wantStrict
			}
			t.Run(name, func(t *testing.T) {
				before := len(f.sub.all())
				reply := smuggle(t, f, tc.seq, want)
				got := f.sub.all()[before:]
				if !strings.HasPrefix(reply, "250 ") {
					if len(got) != 0 {
						t.Fatalf("DATA refused with %q but %d messages spooled", reply, len(got))
					}
					return
				}
				if len(got) != 1 {
					t.Fatalf("%d messages spooled, want exactly 1", len(got))
				}
				checkOneMessage(t, got[0], tc.inBody)
			})
		}
	}
}

// smuggle runs the attack and returns the DATA reply.
func smuggle(t *testing.T, f *fixture, seq, want string) string {
	rc := begin(t, f)
	rc.cmd("DATA", "354 ")
	rc.write("Subject: test\r\n\r\nfirst" + seq + smuggled + "QUIT\r\n")
	reply := rc.expect(want)
	// The next reply must be QUIT's: a 250 here would answer the smuggled
	// MAIL FROM.
	rc.expect("221 ")
	return reply
}

func checkOneMessage(t *testing.T, s spooled, inBody string) {
	t.Helper()
	if len(s.m.Recipients) != 1 || s.m.Recipients[0].Addr != "b@example.net" || s.m.Sender != "a@example.org" {
		t.Errorf("envelope %q -> %v: the smuggled envelope leaked", s.m.Sender, s.m.Recipients)
	}
	if !strings.Contains(s.body, inBody) {
		t.Errorf("body %q does not hold %q", s.body, inBody)
	}
	if n := countBareLineEndings([]byte(s.body)); n != 0 {
		t.Errorf("spooled body has %d bare CR/LF: %q", n, s.body)
	}
}

// TestRealEndOfDataPipelined is the control: the same bytes with a real
// end of data are two messages, so the test above would see a split.
func TestRealEndOfDataPipelined(t *testing.T) {
	f := start(t, Options{RelayNets: loopbackNets}, nil)
	rc := begin(t, f)
	rc.cmd("DATA", "354 ")
	rc.write("Subject: test\r\n\r\nfirst\r\n.\r\n" + smuggled + "QUIT\r\n")
	for _, want := range []string{"250 2.0.0 ", "250 ", "250 ", "354 ", "250 2.0.0 ", "221 "} {
		rc.expect(want)
	}
	if n := len(f.sub.all()); n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
}

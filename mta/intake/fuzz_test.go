package intake

import (
	"bytes"
	"testing"
)

// FuzzScanHeader: whatever the input, the header section is a prefix made
// of whole lines, every counted Received: field starts a line in it, and
// the message splits into header, separator and body without losing a
// byte.
func FuzzScanHeader(f *testing.F) {
	for _, s := range []string{
		"Subject: a\r\n\r\nbody\r\n",
		"Received: from a\r\n\tby b\r\nReceived : c\r\nDate: x\r\nMessage-ID: <i@d>\r\n\r\n",
		"Dear Bob: no header\r\n",
		" folded first\r\n",
		"Subject: a\nthis line is body\n",
		"",
		"NoColonAtAll",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		h := ScanHeader(msg)
		if h.Len < 0 || h.Len > len(msg) {
			t.Fatalf("Len %d of %d bytes", h.Len, len(msg))
		}
		hdr := msg[:h.Len]
		if h.Len > 0 && hdr[len(hdr)-1] != '\n' && h.Len != len(msg) {
			t.Fatalf("header section %q does not end a line", hdr)
		}
		if n := bytes.Count(hdr, []byte("\n")) + 1; h.Received > n {
			t.Fatalf("%d Received: fields in %d lines", h.Received, n)
		}
		if NeedsSeparator(msg, h.Len) && (h.Len == len(msg) || msg[h.Len] == '\r' || msg[h.Len] == '\n') {
			t.Fatalf("separator wanted before %q", msg[h.Len:])
		}
		if again := ScanHeader(hdr); again.Len != h.Len || again.Received != h.Received {
			t.Fatalf("the header section alone scans as %+v, the message as %+v", again, h)
		}
	})
}

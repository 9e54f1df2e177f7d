package delivery

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func stuffed(body string, stuff bool) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	n := writeBody(w, []byte(body), stuff)
	w.Flush()
	if n != b.Len() {
		panic("writeBody count differs from the bytes written")
	}
	if c := writeBody(nil, []byte(body), stuff); c != n {
		panic("counting pass differs from the writing pass")
	}
	return b.String()
}

func TestWriteBody(t *testing.T) {
	tests := []struct{ in, data, bdat string }{
		{"", "", ""},
		{"a\r\nb\r\n", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\r\nb", "a\r\nb\r\n", "a\r\nb\r\n"},
		{".\r\n", "..\r\n", ".\r\n"},
		{"a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n", "a\r\n.\r\nb\r\n"},
		{"..x\r\n.", "...x\r\n..\r\n", "..x\r\n.\r\n"},
		{"a\nb\n", "a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\n.\nb", "a\r\n..\r\nb\r\n", "a\r\n.\r\nb\r\n"},
		{"a\r.\rb", "a\r\n..\r\nb\r\n", "a\r\n.\r\nb\r\n"},
		{"a\r\r\nb", "a\r\n\r\nb\r\n", "a\r\n\r\nb\r\n"},
		{"\n\n", "\r\n\r\n", "\r\n\r\n"},
		{"x\r\n\x00.\r\n", "x\r\n\x00.\r\n", "x\r\n\x00.\r\n"},
	}
	for _, tt := range tests {
		if got := stuffed(tt.in, true); got != tt.data {
			t.Errorf("DATA %q: got %q, want %q", tt.in, got, tt.data)
		}
		if got := stuffed(tt.in, false); got != tt.bdat {
			t.Errorf("BDAT %q: got %q, want %q", tt.in, got, tt.bdat)
		}
	}
}

// unstuff is what a receiver does with DATA: split into CRLF lines, stop at
// the lone dot, drop one leading dot.
func unstuff(wire string) (string, bool) {
	var out strings.Builder
	for wire != "" {
		i := strings.Index(wire, "\r\n")
		if i < 0 {
			return "", false // a line without CRLF
		}
		line := wire[:i]
		wire = wire[i+2:]
		if line == "." {
			return out.String(), wire == ""
		}
		out.WriteString(strings.TrimPrefix(line, "."))
		out.WriteString("\r\n")
	}
	return "", false // no end marker
}

func FuzzWriteBody(f *testing.F) {
	f.Add([]byte("Subject: x\r\n\r\n.hello\r\n..\r\n.\r\nend"))
	f.Add([]byte("a\n.\nb\r.\rc\r\n\x00.\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		wire := stuffed(string(body), true)
		if strings.Contains(wire, "\r\n.\r\n") || strings.HasPrefix(wire, ".\r\n") {
			t.Fatalf("stuffed body holds an end-of-data line: %q", wire)
		}
		if strings.ContainsAny(strings.ReplaceAll(wire, "\r\n", ""), "\r\n") {
			t.Fatalf("bare CR or LF left in %q", wire)
		}
		got, ok := unstuff(wire + ".\r\n")
		if !ok || got != stuffed(string(body), false) {
			t.Fatalf("round trip of %q: got %q (%v), want %q", body, got, ok, stuffed(string(body), false))
		}
	})
}

func BenchmarkWriteBody(b *testing.B) {
	body := bytes.Repeat([]byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit sed do.\r\n"), 64)
	w := bufio.NewWriterSize(&bytes.Buffer{}, 1<<16)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		writeBody(w, body, true)
		w.Reset(&bytes.Buffer{})
	}
}

func TestNeeds8bit(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"", false}, {"plain ascii text, longer than eight", false}, {"\x7f\x00", false},
		{"caf\xc3\xa9", true}, {strings.Repeat("a", 64) + "\x80", true}, {"\xff" + strings.Repeat("a", 64), true},
		{strings.Repeat("a", 13) + "\x80" + strings.Repeat("a", 3), true},
	} {
		if got := needs8bit([]byte(tt.in)); got != tt.want {
			t.Errorf("needs8bit(%q) = %v", tt.in, got)
		}
	}
}

package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	secret := []byte("s3cret")
	body := []byte(`{"webhook":"acme","events":[]}`)
	now := time.Unix(1_800_000_000, 0)
	good := Sign(secret, now, body)
	if !strings.HasPrefix(good, "t=1800000000,v1=") || len(good) != len("t=1800000000,v1=")+64 {
		t.Fatalf("Sign = %q", good)
	}
	tests := []struct {
		name   string
		secret string
		header string
		body   string
		at     time.Time
		ok     bool
	}{
		{"valid", "s3cret", good, string(body), now, true},
		{"valid within tolerance", "s3cret", good, string(body), now.Add(4 * time.Minute), true},
		{"tampered body", "s3cret", good, string(body) + " ", now, false},
		{"wrong secret", "other", good, string(body), now, false},
		{"replayed later", "s3cret", good, string(body), now.Add(6 * time.Minute), false},
		{"malformed", "s3cret", "v1=zz", string(body), now, false},
		{"empty", "s3cret", "", string(body), now, false},
	}
	for _, tt := range tests {
		err := Verify([]byte(tt.secret), tt.header, []byte(tt.body), tt.at, 5*time.Minute)
		if (err == nil) != tt.ok {
			t.Errorf("%s: Verify = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// FuzzVerify: no header makes Verify panic, and only the true signature
// of the body passes.
func FuzzVerify(f *testing.F) {
	f.Add("t=1800000000,v1=00", []byte("{}"))
	f.Add(Sign([]byte("k"), time.Unix(1, 0), []byte("{}")), []byte("{}"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if Verify([]byte("k"), header, body, time.Unix(1, 0), 0) == nil {
			if want := Sign([]byte("k"), time.Unix(1, 0), body); !strings.Contains(header, want[strings.Index(want, "v1="):]) {
				t.Fatalf("header %q verified for body %q", header, body)
			}
		}
	})
}

// FuzzDecodeSegment: a stored segment of any bytes decodes without panic,
// and decoding what encodeSegment wrote gives the lines back.
func FuzzDecodeSegment(f *testing.F) {
	f.Add([]byte("{\"a\":1}\n{\"b\":2}\n"))
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, lines []byte) {
		decodeSegment(lines)
		at, got, ok := decodeSegment(encodeSegment(time.Unix(0, 42), lines))
		if !ok || at.UnixNano() != 42 {
			t.Fatalf("decode(encode) = %v, %v", at, ok)
		}
		n := 0
		for _, l := range got {
			n += len(l) + 1
		}
		if want := len(lines); n != want && n != want+1 {
			t.Fatalf("lines %q decoded to %q", lines, got)
		}
		parseSegmentKey(lines)
		decodePosition(lines)
	})
}

package dane

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/selfsigned"
)

// chain returns what a server with c presents, parsed.
func chain(t *testing.T, c tls.Certificate) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for _, der := range c.Certificate {
		x, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

func TestVerify(t *testing.T) {
	now := time.Now()
	ca, err := selfsigned.NewCA("dane CA")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := selfsigned.NewCA("other CA")
	good, _ := ca.Issue(now.Add(-time.Hour), now.Add(time.Hour), "mx.example.test")
	expired, _ := ca.Issue(now.Add(-48*time.Hour), now.Add(-time.Hour), "mx.example.test")
	wrongName, _ := ca.Issue(now.Add(-time.Hour), now.Add(time.Hour), "other.test")
	self, _ := selfsigned.Certificate(time.Hour, "whatever.test")
	goodLeaf, selfLeaf := chain(t, good)[0], chain(t, self)[0]
	tests := []struct {
		name    string
		records []Record
		cert    tls.Certificate
		ok      bool
	}{
		{"EE SPKI SHA-256", []Record{For(3, 1, 1, goodLeaf)}, good, true},
		{"EE cert SHA-512", []Record{For(3, 0, 2, goodLeaf)}, good, true},
		{"EE full SPKI", []Record{For(3, 1, 0, goodLeaf)}, good, true},
		{"EE ignores names and dates", []Record{For(3, 1, 1, selfLeaf)}, self, true},
		{"EE of another key", []Record{For(3, 1, 1, goodLeaf)}, self, false},
		{"TA SPKI SHA-256", []Record{For(2, 1, 1, ca.Cert())}, good, true},
		{"TA cert SHA-256", []Record{For(2, 0, 1, ca.Cert())}, good, true},
		{"TA leaf for another name", []Record{For(2, 0, 1, ca.Cert())}, wrongName, false},
		{"TA leaf expired", []Record{For(2, 0, 1, ca.Cert())}, expired, false},
		{"TA of another CA", []Record{For(2, 0, 1, other.Cert())}, good, false},
		{"PKIX-EE is unusable", []Record{For(1, 1, 1, goodLeaf)}, good, false},
		{"second record matches", []Record{For(3, 1, 1, selfLeaf), For(2, 1, 1, ca.Cert())}, good, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.records, chain(t, tt.cert), "mx.example.test", now)
			if tt.ok && err != nil {
				t.Errorf("Verify = %v, want success", err)
			}
			if !tt.ok && !errors.Is(err, ErrNoMatch) {
				t.Errorf("Verify = %v, want ErrNoMatch", err)
			}
		})
	}
}

func TestUsable(t *testing.T) {
	sha := make([]byte, 32)
	tests := []struct {
		r    Record
		want bool
	}{
		{Record{3, 1, 1, sha}, true},
		{Record{2, 0, 1, sha}, true},
		{Record{3, 1, 2, sha}, false}, // SHA-512 needs 64 bytes
		{Record{3, 1, 2, make([]byte, 64)}, true},
		{Record{0, 0, 1, sha}, false},
		{Record{1, 1, 1, sha}, false},
		{Record{3, 2, 1, sha}, false},
		{Record{3, 1, 3, sha}, false},
		{Record{3, 1, 0, nil}, false},
	}
	for _, tt := range tests {
		if got := tt.r.Usable(); got != tt.want {
			t.Errorf("%v.Usable() = %v, want %v", tt.r, got, tt.want)
		}
	}
}

package verp

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

var (
	k1 = Key{ID: 1, Secret: []byte("0123456789abcdef-one")}
	k2 = Key{ID: 2, Secret: []byte("0123456789abcdef-two")}
)

func TestRoundTrip(t *testing.T) {
	s, err := NewSigner([]Key{k1})
	if err != nil {
		t.Fatal(err)
	}
	id := message.NewID(time.Now())
	for _, tok := range []Token{{id, 0, "acme", ""}, {id, 999, "", ""}, {id, AllRecipients, "a-much-longer-tenant-name", ""}} {
		addr := s.Address("bounces", "bounce.example.com", tok)
		local, _, _ := strings.Cut(addr, "@")
		if len(local) > MaxLocalPart {
			t.Errorf("%s: local part of %d octets", addr, len(local))
		}
		got, err := s.Parse(strings.ToUpper(local), []string{"other", tok.Tenant}) // case folded by an MTA
		if err != nil || got != tok {
			t.Errorf("Parse(%s) = %+v, %v; want %+v", local, got, err, tok)
		}
	}
}

// TestAddressBound: a token signed over its recipient's address vouches
// for a report about that address (in any case) and for no other, so the
// return path of mail sent to one address cannot suppress another; the
// message and tenant still verify for a report about another or no
// address (a feedback loop redacts it).
func TestAddressBound(t *testing.T) {
	s, _ := NewSigner([]Key{k1})
	tok := Token{ID: message.NewID(time.Now()), Rcpt: 2, Tenant: "acme", Addr: "Someone@X.example"}
	local := "b+" + s.Encode(tok)
	got, err := s.ParseFor(local, []string{"acme"}, []string{"other@x.example", "someone@x.example"})
	if err != nil || got.ID != tok.ID || got.Rcpt != 2 || got.Tenant != "acme" || got.Addr != "someone@x.example" {
		t.Errorf("ParseFor(its own address) = %+v, %v; want the token with Addr someone@x.example", got, err)
	}
	for _, addrs := range [][]string{nil, {"victim@x.example"}, {"", "someone@x.example.evil"}} {
		got, err := s.ParseFor(local, []string{"acme"}, addrs)
		if err != nil || got.ID != tok.ID || got.Tenant != "acme" || got.Addr != "" {
			t.Errorf("ParseFor(%q) = %+v, %v; want the token with Addr \"\"", addrs, got, err)
		}
	}
}

func TestRejects(t *testing.T) {
	s, _ := NewSigner([]Key{k1})
	tok := s.Encode(Token{ID: message.NewID(time.Now()), Rcpt: 3, Tenant: "acme"})
	flip := []byte(tok)
	if flip[len(flip)-8] == 'a' { // another letter in the signature's tenant part
		flip[len(flip)-8] = 'b'
	} else {
		flip[len(flip)-8] = 'a'
	}
	other, _ := NewSigner([]Key{{ID: 1, Secret: []byte("another-secret-of-16")}})
	unknown, _ := NewSigner([]Key{k2})
	tests := []struct {
		name, local string
		signer      *Signer
		tenants     []string
		want        error
	}{
		{"no plus", "bounces", s, []string{"acme"}, ErrNotVERP},
		{"not base32", "bounces+!!!", s, []string{"acme"}, ErrMalformed},
		{"short", "bounces+abcd", s, []string{"acme"}, ErrMalformed},
		{"flipped bit", "bounces+" + string(flip), s, []string{"acme"}, ErrBadSignature},
		{"wrong tenant", "bounces+" + tok, s, []string{"evil"}, ErrBadSignature},
		{"other secret", "bounces+" + tok, other, []string{"acme"}, ErrBadSignature},
		{"unknown key", "bounces+" + tok, unknown, []string{"acme"}, ErrUnknownKey},
	}
	for _, tt := range tests {
		if _, err := tt.signer.Parse(tt.local, tt.tenants); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// TestRotation: a token signed by the old key still verifies once a new
// key signs; after the old key is removed it no longer does.
func TestRotation(t *testing.T) {
	old, _ := NewSigner([]Key{k1})
	tok := Token{ID: message.NewID(time.Now()), Rcpt: 0, Tenant: "acme"}
	local := "b+" + old.Encode(tok)
	rotated, _ := NewSigner([]Key{k2, k1})
	if got, err := rotated.Parse(local, []string{"acme"}); err != nil || got != tok {
		t.Errorf("old token after rotation: %+v, %v", got, err)
	}
	if got, _ := rotated.Parse("b+"+rotated.Encode(tok), []string{"acme"}); got != tok {
		t.Errorf("new token: %+v", got)
	}
	retired, _ := NewSigner([]Key{k2})
	if _, err := retired.Parse(local, []string{"acme"}); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("old token after retirement: %v", err)
	}
}

func TestNewSignerChecks(t *testing.T) {
	for _, keys := range [][]Key{nil, {{ID: 1, Secret: []byte("short")}}, {k1, {ID: 1, Secret: k2.Secret}}} {
		if _, err := NewSigner(keys); err == nil {
			t.Errorf("NewSigner(%v) accepted", keys)
		}
	}
}

func FuzzParse(f *testing.F) {
	s, _ := NewSigner([]Key{k1})
	f.Add("bounces+" + s.Encode(Token{Rcpt: 1, Tenant: "acme"}))
	f.Add("x+aaaa")
	f.Fuzz(func(t *testing.T, local string) {
		tok, err := s.Parse(local, []string{"acme", ""})
		if err != nil {
			return
		}
		// Without the recipient's address, all but the signature's address
		// part must encode as it was given.
		got, _ := enc.DecodeString(s.Encode(tok))
		given, _ := enc.DecodeString(strings.ToLower(local[strings.LastIndexByte(local, '+')+1:]))
		cut := macLen - tenantMACLen
		if len(got) != len(given) || !bytes.Equal(got[:len(got)-cut], given[:len(given)-cut]) {
			t.Fatalf("accepted %q as %+v, which encodes differently", local, tok)
		}
	})
}

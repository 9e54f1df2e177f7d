package verp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/message"
)

// Errors of Parse; a record of a refused report names them.
var (
	ErrNotVERP      = errors.New("verp: not a VERP address")
	ErrMalformed    = errors.New("verp: malformed token")
	ErrUnknownKey   = errors.New("verp: token signed with an unknown key")
	ErrBadSignature = errors.New("verp: bad signature")
)

// AllRecipients is the index of a token that covers every recipient of
// its transaction (several recipients shared one MAIL FROM).
const AllRecipients = -1

const (
	macLen = 8
	tagLen = 2
	// The signature is two HMACs: the first tenantMACLen bytes over the
	// token and the tenant, the rest over those and the recipient's
	// address. A report whose recipient is redacted (feedback loops do
	// that) still verifies its message and tenant.
	tenantMACLen = 5
)

// MaxLocalPart is RFC 5321's limit on a local part.
const MaxLocalPart = 64

// Key is one signing key.
type Key struct {
	ID     byte
	Secret []byte // at least 16 bytes
}

// Token is what a return path says about the mail it was the sender of.
type Token struct {
	ID     message.ID
	Rcpt   int // index of the recipient in the message, or AllRecipients
	Tenant string
	// Addr is the recipient's address, when the token names one: the
	// signature covers it (it is not written in the token), so that the
	// return path of mail sent to one address cannot vouch for a report
	// about another. "" for a token of AllRecipients.
	Addr string
}

// Signer makes and checks tokens.
type Signer struct {
	keys []Key
}

// NewSigner returns a Signer that signs with keys[0] and verifies with
// every key.
func NewSigner(keys []Key) (*Signer, error) {
	if len(keys) == 0 {
		return nil, errors.New("verp: no key")
	}
	seen := map[byte]bool{}
	for _, k := range keys {
		if len(k.Secret) < 16 {
			return nil, fmt.Errorf("verp: key %d: secret shorter than 16 bytes", k.ID)
		}
		if seen[k.ID] {
			return nil, fmt.Errorf("verp: key id %d given twice", k.ID)
		}
		seen[k.ID] = true
	}
	return &Signer{keys: keys}, nil
}

var enc = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Address returns PREFIX+TOKEN@DOMAIN for t.
func (s *Signer) Address(prefix, domain string, t Token) string {
	return prefix + "+" + s.Encode(t) + "@" + domain
}

// Encode returns the token's text.
func (s *Signer) Encode(t Token) string {
	k := s.keys[0]
	b := make([]byte, 0, 1+16+tagLen+binary.MaxVarintLen64+macLen)
	b = append(b, k.ID)
	b = append(b, t.ID[:]...)
	b = append(b, tenantTag(t.Tenant)...)
	b = binary.AppendUvarint(b, uint64(t.Rcpt+1))
	addr := t.Addr
	if t.Rcpt == AllRecipients {
		addr = ""
	}
	b = append(b, mac(k.Secret, b, t.Tenant, addr)...)
	return enc.EncodeToString(b)
}

// Parse reads the local part of a VERP address ("PREFIX+TOKEN") and
// checks its signature against each tenant in candidates whose tag
// matches. It returns the token, or an error saying why not. The token's
// Addr is "": see ParseFor.
func (s *Signer) Parse(local string, candidates []string) (Token, error) {
	return s.ParseFor(local, candidates, nil)
}

// ParseFor is Parse for a report that names the recipients addrs: when
// the token names one recipient and the signature's address part
// verifies for one of addrs, the token's Addr is that one (as given);
// else Addr is "" (a report about another address, or a redacted one).
func (s *Signer) ParseFor(local string, candidates, addrs []string) (Token, error) {
	i := strings.LastIndexByte(local, '+')
	if i < 0 {
		return Token{}, ErrNotVERP
	}
	b, err := enc.DecodeString(strings.ToLower(local[i+1:]))
	if err != nil || len(b) < 1+16+tagLen+1+macLen {
		return Token{}, ErrMalformed
	}
	body, sig := b[:len(b)-macLen], b[len(b)-macLen:]
	n, w := binary.Uvarint(body[1+16+tagLen:])
	if w <= 0 || 1+16+tagLen+w != len(body) || n > 1<<31 {
		return Token{}, ErrMalformed
	}
	key, ok := s.key(body[0])
	if !ok {
		return Token{}, ErrUnknownKey
	}
	t := Token{ID: message.ID(body[1:17]), Rcpt: int(n) - 1}
	tag := body[17 : 17+tagLen]
	for _, c := range candidates {
		if string(tenantTag(c)) != string(tag) {
			continue
		}
		if !hmac.Equal(sig[:tenantMACLen], mac(key.Secret, body, c, "")[:tenantMACLen]) {
			continue
		}
		t.Tenant = c
		if t.Rcpt == AllRecipients {
			if !hmac.Equal(sig, mac(key.Secret, body, c, "")) {
				return Token{}, ErrBadSignature
			}
			return t, nil
		}
		for _, a := range addrs {
			if a != "" && hmac.Equal(sig, mac(key.Secret, body, c, a)) {
				t.Addr = a
				break
			}
		}
		return t, nil
	}
	return Token{}, ErrBadSignature
}

func (s *Signer) key(id byte) (Key, bool) {
	for _, k := range s.keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// mac signs the token bytes and the tenant's full name (the first
// tenantMACLen bytes), then those and the recipient's address
// (case-folded: MTAs may fold it in a report; "" for a token of every
// recipient).
func mac(secret, body []byte, tenant, addr string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write(body)
	h.Write([]byte{0})
	h.Write([]byte(tenant))
	out := h.Sum(nil)[:tenantMACLen]
	h.Write([]byte{0})
	h.Write([]byte(strings.ToLower(addr)))
	return append(out, h.Sum(nil)[:macLen-tenantMACLen]...)
}

func tenantTag(tenant string) []byte {
	sum := sha256.Sum256([]byte(tenant))
	return sum[:tagLen]
}

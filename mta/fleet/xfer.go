package fleet

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// XferHeader is the header field a node puts first on each message it
// transfers to another node of the fleet (wasmta xfer): the message's
// identity, signed with the fleet's transfer key, which only nodes that
// read Redis know. The receiving node takes it off before it spools the
// message.
const XferHeader = "X-Wasmta-Xfer"

const keyXfer = "{wasmta}:xfer-key" // the fleet's transfer key, hex

// Xfer is what a transferred message keeps of its identity.
type Xfer struct {
	From       string            `json:"from"` // the node that sent it
	ID         string            `json:"id"`
	Tenant     string            `json:"tenant,omitempty"`
	Campaign   string            `json:"campaign,omitempty"`
	Meta       map[string]string `json:"meta,omitempty"`
	Received   time.Time         `json:"received"`
	RequireTLS bool              `json:"require_tls,omitempty"`
	Sent       time.Time         `json:"sent"` // refused when older than a day
}

// xferKey reads the fleet's transfer key, making it on first use.
func (f *Fleet) xferKey(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	fresh := make([]byte, 32)
	rand.Read(fresh)
	p := f.rdb.Pipeline()
	p.SetNX(ctx, keyXfer, hex.EncodeToString(fresh), 0)
	get := p.Get(ctx, keyXfer)
	_, err := p.Exec(ctx)
	f.result("xfer key", err)
	if err != nil {
		return nil, fmt.Errorf("fleet: the transfer key: %w: %w", ErrUnreachable, err)
	}
	return hex.DecodeString(get.Val())
}

// SignXfer returns the value of XferHeader for x.
func (f *Fleet) SignXfer(ctx context.Context, x Xfer) (string, error) {
	key, err := f.xferKey(ctx)
	if err != nil {
		return "", err
	}
	x.From, x.Sent = f.node, time.Now()
	b, err := json.Marshal(x)
	if err != nil {
		return "", fmt.Errorf("fleet: xfer: %w", err)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString(b) + "." + enc.EncodeToString(mac(key, b)), nil
}

// ErrXferSignature: an XferHeader that no node of this fleet signed.
var ErrXferSignature = errors.New("fleet: the transfer header is not signed by this fleet")

// VerifyXfer checks a value of XferHeader and returns what it carries.
func (f *Fleet) VerifyXfer(ctx context.Context, value string) (Xfer, error) {
	var x Xfer
	enc := base64.RawURLEncoding
	body, sig, ok := strings.Cut(strings.TrimSpace(value), ".")
	b, err1 := enc.DecodeString(body)
	s, err2 := enc.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return x, ErrXferSignature
	}
	key, err := f.xferKey(ctx)
	if err != nil {
		return x, err
	}
	if !hmac.Equal(s, mac(key, b)) || json.Unmarshal(b, &x) != nil {
		return x, ErrXferSignature
	}
	if time.Since(x.Sent) > 24*time.Hour {
		return x, fmt.Errorf("%w (sent %v, over a day ago)", ErrXferSignature, x.Sent)
	}
	return x, nil
}

func mac(key, b []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(b)
	return h.Sum(nil)
}

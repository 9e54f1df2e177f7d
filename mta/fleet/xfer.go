package fleet

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
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
	// Digest binds the signature to the envelope and the body
	// (XferDigest): without it the signed identity could be replayed on
	// any recipients and any text by whoever saw one transfer.
	Digest string `json:"digest"`
}

// XferDigest is the SHA-256 of a transferred message's envelope and body,
// each field length-prefixed so that no two envelopes share a digest.
func XferDigest(sender string, rcpts []string, body []byte) string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(sender))
	for _, r := range rcpts {
		field([]byte(r))
	}
	field(body)
	return hex.EncodeToString(h.Sum(nil))
}

// xferSeenTTL outlives a signature's validity (a day), so a replay is
// recognised for as long as it could verify.
const xferSeenTTL = 25 * time.Hour

func keyXferSeen(id string) string { return "{wasmta}:xfer-seen:" + id }

// XferSeen returns the digest under which message id was already taken by
// a node of the fleet, or "" if it never was.
func (f *Fleet) XferSeen(ctx context.Context, id string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	v, err := f.rdb.Get(ctx, keyXferSeen(id)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	f.result("xfer seen", err)
	if err != nil {
		return "", fmt.Errorf("fleet: xfer seen %s: %w: %w", id, ErrUnreachable, err)
	}
	return v, nil
}

// XferTaken notes that message id was spooled under digest, so that the
// same transfer again (a sender that lost the reply, or a replay) is
// answered without a second copy.
func (f *Fleet) XferTaken(ctx context.Context, id, digest string) error {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	err := f.rdb.Set(ctx, keyXferSeen(id), digest, xferSeenTTL).Err()
	f.result("xfer taken", err)
	if err != nil {
		return fmt.Errorf("fleet: xfer taken %s: %w: %w", id, ErrUnreachable, err)
	}
	return nil
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
	if x.Digest == "" {
		return x, fmt.Errorf("%w (no digest of the envelope and body)", ErrXferSignature)
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

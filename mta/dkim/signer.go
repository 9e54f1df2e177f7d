package dkim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"sync/atomic"
)

// Signer signs messages with its keys. It is safe for concurrent use;
// Reload and Update swap its keys atomically while signing goes on.
type Signer struct {
	state atomic.Pointer[keyset]
	mu    sync.Mutex // serialises Reload and Update
	pool  sync.Pool  // of *scratch
}

// NewSigner loads the keys of specs. Every bad key is reported, each error
// naming the key and its file. No specs makes a Signer that never signs.
func NewSigner(specs []KeySpec, opts Options) (*Signer, error) {
	ks, err := buildKeyset(specs, opts)
	if err != nil {
		return nil, err
	}
	s := &Signer{}
	s.pool.New = func() any { return newScratch() }
	s.state.Store(ks)
	return s, nil
}

// Reload reads the key files again. On any error the keys in use stay, and
// the error says what is wrong; otherwise the new keys sign from the next
// message on.
func (s *Signer) Reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.state.Load()
	return s.swap(cur.specs, cur.opts)
}

// Update replaces the key specs and options, as a configuration reload
// does. On error nothing changes.
func (s *Signer) Update(specs []KeySpec, opts Options) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.swap(specs, opts)
}

func (s *Signer) swap(specs []KeySpec, opts Options) error {
	ks, err := buildKeyset(specs, opts)
	if err != nil {
		return err
	}
	s.state.Store(ks)
	return nil
}

// Keys describes the keys in use, in configuration order.
func (s *Signer) Keys() []KeyInfo {
	ks := s.state.Load()
	out := make([]KeyInfo, len(ks.keys))
	for i, k := range ks.keys {
		out[i] = k.info()
	}
	return out
}

// Sign returns the DKIM-Signature field(s) for msg, a whole message (header,
// empty line, body), CRLF-terminated and ready to be prepended to it: one
// field per chosen key, so two for a domain with an RSA and an Ed25519 key.
// It returns nil, nil when the choice leaves the message unsigned, and
// ErrNoKey (wrapped) when the choice names a key that does not exist.
// Bare LF line ends are read as CRLF, as the SMTP client will send them.
func (s *Signer) Sign(ctx context.Context, msg []byte, c Choice) ([]byte, error) {
	sc := s.pool.Get().(*scratch)
	defer s.release(sc)
	var bodyStart int
	sc.fields, bodyStart = splitHeader(msg, sc.fields[:0])
	return s.sign(ctx, sc, msg, msg[bodyStart:], c)
}

// SignHeaderBody is Sign for a message held in two parts: the header block
// (with or without its final empty line) and the body.
func (s *Signer) SignHeaderBody(ctx context.Context, header, body []byte, c Choice) ([]byte, error) {
	sc := s.pool.Get().(*scratch)
	defer s.release(sc)
	sc.fields, _ = splitHeader(header, sc.fields[:0])
	return s.sign(ctx, sc, header, body, c)
}

// release pools sc, unless a freak message (a huge header, a huge line full
// of spaces) grew it past what is worth keeping.
func (s *Signer) release(sc *scratch) {
	if cap(sc.canon) > 1<<20 || cap(sc.fields) > 1<<14 {
		return
	}
	s.pool.Put(sc)
}

func (s *Signer) sign(ctx context.Context, sc *scratch, hdr, body []byte, c Choice) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("dkim: sign: %w", err)
	}
	if c.Off {
		return nil, nil
	}
	from, ok := sc.from(hdr)
	if !ok {
		return nil, ErrNoFrom
	}
	ks := s.state.Load()
	keys, err := ks.choose(c, from)
	if len(keys) == 0 || err != nil {
		return nil, err
	}
	sc.body.Reset()
	sc.canon = hashRelaxedBody(sc.body, body, sc.canon)
	bh := sc.body.Sum(sc.bh[:0])
	ts := ks.opts.Now().Unix()
	w := sigWriter{b: make([]byte, 0, 1024*len(keys))}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("dkim: sign: %w", err)
		}
		if err := sc.signOne(&w, k, hdr, ts, bh, ks.opts.layout); err != nil {
			return nil, fmt.Errorf("dkim: sign with %s: %w", k, err)
		}
	}
	return w.b, nil
}

// signOne appends the DKIM-Signature field of one key to w.
func (sc *scratch) signOne(w *sigWriter, k *key, hdr []byte, ts int64, bh []byte, l layout) error {
	sc.expand(k.plan, hdr)
	sc.head.Reset()
	canon := sc.canon[:0]
	for _, fi := range sc.picked {
		f := sc.fields[fi]
		canon = appendRelaxedField(canon, hdr[f.start:f.end], f.colon-f.start)
	}
	start := len(w.b)
	w.col = 0
	w.tags(k, ts, sc.hList, bh, l)
	// The signature field itself, b= empty, ends the hashed data without
	// its CRLF (RFC 6376 section 3.7).
	canon = appendRelaxedField(canon, w.b[start:], len("DKIM-Signature"))
	sc.head.Write(canon[:len(canon)-2])
	sc.canon = canon
	sig, err := k.signer.Sign(rand.Reader, sc.head.Sum(sc.sum[:0]), k.hashOpts())
	if err != nil {
		return err
	}
	enc := base64.StdEncoding
	sc.enc = append(sc.enc[:0], make([]byte, enc.EncodedLen(len(sig)))...)
	enc.Encode(sc.enc, sig)
	w.sigValue(sc.enc)
	return nil
}

// from returns the value of the first From: field.
func (sc *scratch) from(hdr []byte) ([]byte, bool) {
	for _, f := range sc.fields {
		name := bytes.TrimRight(hdr[f.start:f.colon], " \t")
		if bytes.EqualFold(name, []byte("from")) {
			return hdr[f.colon+1 : f.end], true
		}
	}
	return nil, false
}

package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of a POST.
const (
	HeaderSignature = "X-Wasmta-Signature" // t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
	HeaderWebhook   = "X-Wasmta-Webhook"   // the webhook's name
	HeaderBatch     = "X-Wasmta-Batch"     // the event_id of the batch's first record
)

// eventID names a record in a webhook's outbox: stable across retries and
// restarts, so a receiver can drop the duplicates of at-least-once.
func (h *hook) eventID(ev event) string {
	return h.cfg.Name + ":" + strconv.FormatUint(ev.seg, 10) + "." + strconv.Itoa(ev.idx)
}

// body is the JSON of a batch: {"webhook": name, "events": [records]},
// each record with its event_id added first.
func (h *hook) body(batch []event) []byte {
	var b bytes.Buffer
	name, _ := json.Marshal(h.cfg.Name)
	b.WriteString(`{"webhook":`)
	b.Write(name)
	b.WriteString(`,"events":[`)
	for i, ev := range batch {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"event_id":"`)
		b.WriteString(h.eventID(ev))
		b.WriteString(`",`)
		b.Write(ev.line[1:]) // the record's own fields, after its '{'
	}
	b.WriteString("]}")
	return b.Bytes()
}

func (h *hook) post(ctx context.Context, body []byte, batch []event) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", h.o.opts.UserAgent)
	req.Header.Set(HeaderWebhook, h.cfg.Name)
	req.Header.Set(HeaderBatch, h.eventID(batch[0]))
	if h.cfg.Secret != "" {
		req.Header.Set(HeaderSignature, Sign([]byte(h.cfg.Secret), time.Now(), body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s: %s answered %s", h.cfg.Name, h.cfg.URL, resp.Status)
	}
	return nil
}

// Sign returns the X-Wasmta-Signature value of body sent at t: the Unix
// time and the hex HMAC-SHA256, keyed by secret, of "<unix time>.<body>".
// The time inside the signed text lets a receiver refuse replays.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a signature header against body, and that it was made
// within tolerance of now (0 skips the time check).
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	got, herr := hex.DecodeString(sig)
	if err != nil || herr != nil || sig == "" {
		return errors.New("webhook: malformed signature header")
	}
	if !hmac.Equal(got, mac(secret, ts, body)) {
		return errors.New("webhook: signature does not match")
	}
	if d := now.Sub(time.Unix(sec, 0)); tolerance > 0 && (d > tolerance || d < -tolerance) {
		return fmt.Errorf("webhook: signature made %v from now, beyond %v", d.Round(time.Second), tolerance)
	}
	return nil
}

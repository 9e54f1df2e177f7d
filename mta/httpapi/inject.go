package httpapi

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/policy"
)

// inbound is who sends a request.
type inbound struct {
	meter    intake.Meter // the request's share of the data in flight
	tenant   string
	authUser string // "token:" and the first 12 hex digits of the token's SHA-256
	peer     string
	tls      *events.TLS
	protocol string
}

func (in *inbound) policyPeer() policy.Peer {
	return policy.Peer{Addr: in.peer, AuthUser: in.authUser, TLS: in.tls != nil}
}

// messages serves POST /v1/messages.
func (s *Server) messages(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use POST", nil)
		return
	}
	in, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	in.meter = s.intake.Budget().Meter()
	defer in.meter.Release()
	lim := s.intake.Limits(in.tenant)
	req, ok := s.readRequest(w, r, in, lim)
	if !ok {
		return
	}
	j, rcpts, ok := s.check(w, req, in, lim)
	if !ok {
		return
	}
	if j.raw != nil && s.intake.Loops(intake.ScanHeader(j.raw.header)) {
		s.rejection(in, "", len(rcpts), "loop", "", replyLoop)
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf(
			"raw: more than %d Received: fields, the message is looping (554 5.4.6)", s.intake.MaxHops()), nil)
		return
	}
	s.process(w, r, in, j, rcpts)
}

// authenticate finds the tenant of the bearer token.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*inbound, bool) {
	in := &inbound{peer: r.RemoteAddr, protocol: "HTTP"}
	if st := r.TLS; st != nil {
		in.tls = &events.TLS{Version: tls.VersionName(st.Version), Cipher: tls.CipherSuiteName(st.CipherSuite)}
		in.protocol = "HTTPS"
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="wasmta"`)
		writeError(w, http.StatusUnauthorized, "missing API token: send the header Authorization: Bearer <token>", nil)
		return nil, false
	}
	sum := sha256.Sum256([]byte(token))
	in.authUser = "token:" + hex.EncodeToString(sum[:6])
	tenant, ok := s.opts.Authenticate(token)
	if !ok {
		s.rec.Record(&events.Record{Type: events.Rejection, Time: time.Now(), Peer: in.peer,
			Protocol: in.protocol, TLS: in.tls, Reason: "auth", Meta: map[string]string{"auth_user": in.authUser}})
		w.Header().Set("WWW-Authenticate", `Bearer realm="wasmta", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid API token", nil)
		return nil, false
	}
	in.tenant = tenant
	return in, true
}

// requestLimit is the largest request body: a message of the size limit
// grows by a third in base64 and more with JSON escapes.
func requestLimit(maxMessage int64) int64 { return 2*maxMessage + 1<<20 }

func (s *Server) readRequest(w http.ResponseWriter, r *http.Request, in *inbound, lim intake.Limits) (*Request, bool) {
	limit := requestLimit(lim.MaxMessageBytes)
	tooBig := func() (*Request, bool) {
		s.rejection(in, "", 0, "size", "")
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"request body over %d bytes (twice the message size limit of %d bytes, plus 1 MiB)", limit, lim.MaxMessageBytes), nil)
		return nil, false
	}
	if r.ContentLength > limit {
		return tooBig()
	}
	if !in.meter.Hold(max(r.ContentLength, 0)) {
		s.shortOfMemory(w, in, 0)
		return nil, false
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, limit), r.ContentLength)
	if !in.meter.Hold(int64(cap(body))) {
		s.shortOfMemory(w, in, 0)
		return nil, false
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return tooBig()
	case err != nil:
		writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error(), []FieldError{{Problem: "reading the request body: " + err.Error()}})
		return nil, false
	}
	req, err := decodeRequest(body)
	if err != nil {
		var d *decodeProblem
		errors.As(err, &d)
		writeError(w, http.StatusBadRequest, err.Error(), d.fields())
		return nil, false
	}
	return req, true
}

// readBody reads the whole body into one buffer sized from Content-Length
// when the client gave it.
func readBody(r io.Reader, length int64) ([]byte, error) {
	if length <= 0 {
		return io.ReadAll(r)
	}
	b := make([]byte, 0, length+1)
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)] // the client sent more than it said: grow
		}
	}
}

// check validates the request and prepares its content.
func (s *Server) check(w http.ResponseWriter, req *Request, in *inbound, lim intake.Limits) (*job, []rcpt, bool) {
	var p problems
	rcpts := checkEnvelope(req, lim.MaxRecipients, &p)
	checkForm(req, &p)
	if req.RequireTLS && in.tls == nil {
		// As SMTP answers MAIL FROM ... REQUIRETLS in clear (530 5.7.10):
		// a message that asks for TLS on every hop must not reach us in
		// clear (RFC 8689 section 4).
		p.add("require_tls", "needs HTTPS: a message sent with REQUIRETLS must not cross the first hop in clear (RFC 8689 section 4)")
	}
	j := &job{sender: req.Sender, campaign: req.Campaign, meta: req.Metadata, subs: req.Substitutions,
		requireTLS: req.RequireTLS}
	switch {
	case req.Raw != nil:
		raw, msg := parseRaw(*req.Raw, s.opts.CampaignHeader)
		if msg != "" {
			p.add("raw", "%s", msg)
		}
		j.raw = raw
	case req.Content != nil:
		j.plan = checkContent(req.Content, s.opts.CampaignHeader, &p)
	}
	if len(p) > 0 {
		msg := fmt.Sprintf("invalid request: %s: %s", p[0].Field, p[0].Problem)
		if len(p) > 1 {
			msg = fmt.Sprintf("invalid request (%d problems): %s: %s; ...", len(p), p[0].Field, p[0].Problem)
		}
		writeError(w, http.StatusBadRequest, msg, p)
		return nil, nil, false
	}
	if j.campaign == "" && j.raw != nil && campaignProblem(j.raw.campaign) == "" {
		j.campaign = j.raw.campaign
	}
	if j.campaign == "" && j.plan != nil {
		j.campaign = j.plan.campaign
	}
	return j, rcpts, true
}

// rejection records a refusal, as SMTP reception records its own.
func (s *Server) rejection(in *inbound, rcpt string, rcpts int, reason, hook string, r ...reply) {
	rec := &events.Record{Type: events.Rejection, Time: time.Now(), Tenant: in.tenant, Recipient: rcpt,
		Recipients: rcpts, Peer: in.peer, Protocol: in.protocol, TLS: in.tls, Reason: reason, Hook: hook}
	if len(r) > 0 {
		rec.Response = r[0].response()
	}
	s.rec.Record(rec)
}

func tooMany(w http.ResponseWriter, wait time.Duration, n, perMinute int) {
	if wait == 0 {
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf(
			"this request makes %d messages, more than the tenant's limit of %d per minute: split it", n, perMinute), nil)
		return
	}
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
	writeError(w, http.StatusTooManyRequests, fmt.Sprintf(
		"message rate limit of %d per minute exceeded, retry in %d s", perMinute, retryAfter(wait)), nil)
}

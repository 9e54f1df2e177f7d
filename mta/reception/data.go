package reception

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/spool"
)

const (
	firstDataBuf = 16 << 10 // when the client gave no SIZE=
	maxPooledBuf = 1 << 20  // larger buffers go back to the GC, not the pool
)

// errExceeded is readData's own "over the limit"; go-smtp has
// smtp.ErrDataTooLarge for the server-wide limit. errBudget: the data in
// flight of all sessions would pass MaxDataInFlight.
var (
	errExceeded = errors.New("reception: message over the size limit")
	errBudget   = errors.New("reception: message data in flight over the budget")
)

// dataBuf is a pooled message buffer (a pointer, so the pool stores it
// without an allocation).
type dataBuf struct{ b []byte }

func (s *Server) getBuf(hint, limit int64) *dataBuf {
	want := int64(firstDataBuf)
	if hint > 0 {
		want = hint + hint/16 + 512 // SIZE= is an estimate (RFC 1870)
	}
	// SIZE= is only a claim: beyond maxPooledBuf memory follows the data
	// that actually arrives, so idle clients cannot reserve it.
	want = min(want, limit+1, maxPooledBuf)
	db, _ := s.bufs.Get().(*dataBuf)
	if db == nil {
		db = &dataBuf{}
	}
	if int64(cap(db.b)) < want {
		db.b = make([]byte, 0, want)
	}
	db.b = db.b[:0]
	return db
}

func (s *Server) putBuf(db *dataBuf) {
	if cap(db.b) > maxPooledBuf {
		db.b = nil
	}
	s.bufs.Put(db)
}

// readData appends everything r yields to b, reading at most one byte past
// limit so that an oversized message costs no more memory than the limit,
// and growing b only as far as m can hold.
func readData(r io.Reader, b []byte, limit int64, m *intake.Meter) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			if !m.Hold(int64(2*cap(b) + 4096)) {
				return b, errBudget
			}
			b = slices.Grow(b, max(cap(b), 4096))
		}
		end := int64(cap(b))
		if end > limit+1 {
			end = limit + 1
		}
		n, err := r.Read(b[len(b):end])
		b = b[:len(b)+n]
		if int64(len(b)) > limit {
			return b, errExceeded
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// Data receives the message, checks and canonicalises it, runs on_message,
// builds the spooled body and submits it.
func (s *session) Data(r io.Reader) error {
	s.mu.Lock()
	tx := s.tx
	s.mu.Unlock()
	if !tx.active || len(tx.rcpts) == 0 {
		return errNoTransaction
	}
	if s.tc != nil {
		s.tc.setData(true)
		defer s.tc.setData(false)
	}
	buf := s.srv.getBuf(tx.sizeHint, tx.limits.MaxMessageBytes)
	defer s.srv.putBuf(buf)
	// The meter lives in the session so that it costs no allocation.
	s.meter = s.srv.intake.Budget().Meter()
	meter := &s.meter
	defer meter.Release()
	err := errBudget
	switch {
	case !meter.Hold(int64(cap(buf.b))):
	case s.capturable(r):
		buf.b, err = s.readCaptured(r, buf.b, tx.limits.MaxMessageBytes, meter)
	default:
		buf.b, err = readData(r, buf.b, tx.limits.MaxMessageBytes, meter)
	}
	if err != nil {
		return s.dataReadError(err, &tx)
	}
	if _, bdat := r.(*io.PipeReader); bdat && s.tc != nil && s.tc.eof.Load() {
		// go-smtp copies a BDAT chunk with io.Copy, which takes the
		// client's EOF for the end of the chunk. A chunk read never asks
		// for more than the chunk holds, so an EOF seen before the pipe
		// closed means the last chunk is short.
		return errDataRead
	}
	// The spooled body is a copy (a normalised copy, rare, is not counted).
	if !meter.Hold(meter.Held() + int64(len(buf.b))) {
		return s.reject(errMemory, &tx, "", "memory", "")
	}
	data, norm, rerr := s.srv.canonical(buf.b)
	if norm != nil {
		defer s.srv.putBuf(norm)
	}
	if rerr != nil {
		return s.reject(rerr, &tx, "", "content", "")
	}
	return s.accept(&tx, data)
}

func (s *session) dataReadError(err error, tx *transaction) error {
	switch {
	case errors.Is(err, errExceeded), errors.Is(err, smtp.ErrDataTooLarge):
		return s.reject(errTooBig, tx, "", "size", "")
	case errors.Is(err, errBudget):
		return s.reject(errMemory, tx, "", "memory", "")
	case errors.Is(err, smtp.ErrTooLongLine):
		return s.reject(errLineTooLong, tx, "", "line-length", "")
	case isTimeout(err):
		return errDataTimeout
	case errors.Is(err, smtp.ErrDataReset):
		return err
	}
	s.srv.log.Debug("reception: reading data", "peer", s.peerStr, "err", err)
	return errDataRead
}

// canonical returns data with CRLF line endings: unchanged when it already
// has them, else normalised into a second pooled buffer (returned so the
// caller can give it back), or refused with RejectBareLineEndings. NUL is
// always refused: some MTAs drop it, which would turn "\r\n\x00.\r\n" into
// an end of data downstream.
func (s *Server) canonical(data []byte) ([]byte, *dataBuf, *smtp.SMTPError) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, errNUL
	}
	bare := countBareLineEndings(data)
	if bare == 0 {
		return data, nil, nil
	}
	if s.opts.RejectBareLineEndings {
		return nil, nil, errBareLineEnding
	}
	nb := s.getBuf(int64(len(data)+bare), int64(len(data)+bare))
	nb.b = normalizeLineEndings(nb.b, data)
	return nb.b, nb, nil
}

// split finds the header section of data (intake.ScanHeader: a first
// line that is not a field starts the body), the campaign field in it,
// and where an empty line must go before the body.
func (s *Server) split(data []byte, spans []span) (h intake.Header, campaign string, c content) {
	h = intake.ScanHeader(data)
	campaign, skips := findField(data[:h.Len], s.opts.CampaignHeader, spans)
	c = content{data: data, skips: skips, sepAt: -1}
	if intake.NeedsSeparator(data, h.Len) {
		c.sepAt = h.Len
	}
	return h, campaign, c
}

// accept runs on_message on the header block and submits the message.
func (s *session) accept(tx *transaction, data []byte) error {
	if v, body, ok := s.srv.transferValue(data); ok {
		return s.acceptTransfer(tx, v, body)
	}
	var spanBuf [2]span
	h, hdrCampaign, c := s.srv.split(data, spanBuf[:0])
	hdr := data[:h.Len]
	if s.srv.intake.Loops(h) {
		return s.reject(errLoop, tx, "", "loop", "")
	}
	if tx.campaign == "" {
		tx.campaign = hdrCampaign
	}
	res := s.srv.guard.Message(s.srv.ctx, &policy.MessageInput{
		Peer: s.policyPeer(tx.helo), Tenant: tx.tenant, Campaign: tx.campaign, Sender: tx.sender,
		Recipients: tx.rcpts, Header: hdr, Size: int64(len(data)), Meta: tx.meta,
	})
	if res.Reject != nil {
		return s.reject(replyError(res.Reject), tx, "", "policy", policy.HookMessage)
	}
	m := s.newMessage(tx, &res)
	if s.authed || s.fixHeaders {
		c.fields = intake.AppendMissingFields(nil, h, m.ID.String()+"@"+s.srv.opts.Hostname, m.ReceivedAt)
	}
	body, err := s.srv.buildBody(m, s.peer.Addr(), &res, &c)
	if err != nil {
		s.srv.log.Error("reception: signing", "id", m.ID, "tenant", m.Tenant, "err", err)
		return s.reject(errSign, tx, "", "sign", "")
	}
	return s.submit(tx, m, body)
}

// submit spools m with body, writes its Reception record once it is
// synced, and answers 250 with its id.
func (s *session) submit(tx *transaction, m *message.Message, body []byte) error {
	m.Size = int64(len(body))
	id := m.ID.String()
	spooled := func() {
		s.srv.records.Record(&events.Record{
			Type: events.Reception, Time: m.ReceivedAt, ID: id, Tenant: m.Tenant,
			Campaign: m.Campaign, Sender: m.Sender, Recipients: len(m.Recipients), Size: m.Size,
			Peer: m.Peer, Protocol: m.Protocol, TLS: s.tls, Meta: m.Meta, RecipientAddrs: addrsOf(m),
		})
	}
	if err := s.srv.opts.Submitter.Submit(s.srv.ctx, m, body, spooled); err != nil {
		if errors.Is(err, spool.ErrFull) {
			return s.reject(errSpoolFull, tx, "", "spool-full", "")
		}
		s.srv.log.Error("reception: submit", "id", m.ID, "tenant", m.Tenant, "err", err)
		return s.reject(errSpool, tx, "", "spool", "")
	}
	// go-smtp writes an error's code and text as the reply, and offers no
	// other way to say which id the message got.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "OK: queued as " + id}
}

func (s *session) newMessage(tx *transaction, res *policy.MessageResult) *message.Message {
	now := time.Now()
	env := intake.Envelope{Tenant: tx.tenant, Campaign: tx.campaign, Sender: tx.sender,
		Recipients: tx.rcpts, Meta: tx.meta, Peer: s.peerStr, Helo: tx.helo,
		AuthUser: s.authUser, Protocol: s.protocol()}
	m := intake.NewMessage(&env, res, message.NewID(now), now)
	m.RequireTLS = tx.requireTLS
	return m
}

// addrsOf returns the recipient addresses of m, for its Reception record.
func addrsOf(m *message.Message) []string {
	out := make([]string, len(m.Recipients))
	for i, r := range m.Recipients {
		out[i] = r.Addr
	}
	return out
}

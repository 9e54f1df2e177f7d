package delivery

import (
	"context"
	"fmt"
	"strconv"

	"github.com/wasmta/wasmta/mta/message"
)

// Result is the outcome of one transaction the server took part in.
// Rcpt has one reply per recipient, in order: the RCPT reply, or the MAIL
// reply when MAIL was refused, or a reply made up locally (Text starting with
// "local:") for a recipient never sent. Response is the reply that decided
// the message: the final reply to its data, or the MAIL refusal, or the last
// recipient refusal when none was accepted. A recipient was delivered when
// both its Rcpt reply and Response are 2xx.
type Result struct {
	Response message.Response
	Rcpt     []message.Response
	// Whole: every Rcpt is Response, one answer for the whole transaction
	// (a refused MAIL, or the message refused locally), which says nothing
	// of any one recipient.
	Whole bool
}

// Deliver makes one transaction: MAIL FROM, RCPT TO for each recipient, and
// the body by BDAT (when CHUNKING is offered) or DATA. With PIPELINING the
// commands (and with BDAT the body) leave in one write and the replies are
// read after (RFC 2920): one round trip per message with BDAT, two with
// DATA. SIZE, BODY=8BITMIME and SMTPUTF8 are added when offered and needed.
// body is the message with CRLF line endings; bare LF or CR become CRLF on
// the wire and lines starting with "." are stuffed for DATA.
//
// Refusals are in the Result with a nil error, and the session is ready for
// the next Deliver (Deliver sends RSET itself after an unfinished
// transaction). An error is an *Error and means the session is closed and
// unusable: the network failed, a reply timed out or did not parse, or the
// server said 421.
func (s *Session) Deliver(ctx context.Context, from string, rcpts []string, body []byte) (Result, error) {
	return s.DeliverWith(ctx, from, rcpts, body, Params{})
}

// Params are options of one transaction.
type Params struct {
	// RequireTLS adds REQUIRETLS to MAIL FROM (RFC 8689); the caller has
	// checked that the server offers it (Offers) over verified TLS.
	RequireTLS bool
}

// DeliverWith is Deliver with the transaction's params.
func (s *Session) DeliverWith(ctx context.Context, from string, rcpts []string, body []byte, p Params) (Result, error) {
	if s.broken != nil {
		return Result{}, &Error{Stage: StageMail, Err: fmt.Errorf("%w: %v", ErrUnusable, s.broken), Temporary: true}
	}
	t := txn{s: s, from: from, rcpts: rcpts, body: body, res: Result{Rcpt: make([]message.Response, len(rcpts))},
		requireTLS: p.RequireTLS}
	if t.precheck() {
		return t.res, nil
	}
	stop := s.watch(ctx)
	var err error
	if s.caps.pipelining {
		err = t.pipelined()
	} else {
		err = t.lockstep()
	}
	if err == nil && t.needReset() {
		if rerr := s.rset(); rerr != nil {
			// The outcome is known; the next call reports the broken session.
			s.breakWith(rerr)
		}
	}
	stop()
	if err != nil {
		s.breakWith(err)
		return t.res, s.withContext(ctx, err)
	}
	return t.res, nil
}

// Reset sends RSET, for a caller that wants a clean transaction state; it
// is never needed between Delivers.
func (s *Session) Reset(ctx context.Context) error {
	if s.broken != nil {
		return &Error{Stage: StageRset, Err: fmt.Errorf("%w: %v", ErrUnusable, s.broken), Temporary: true}
	}
	stop := s.watch(ctx)
	err := s.rset()
	stop()
	if err != nil {
		s.breakWith(err)
		return s.withContext(ctx, err)
	}
	return nil
}

func (s *Session) rset() error {
	resp, err := s.command(StageRset, "RSET", "")
	if err != nil {
		return err
	}
	if resp.Code != 250 {
		return refusal(StageRset, resp)
	}
	return nil
}

// Close says QUIT (briefly: the reply does not matter) and closes the
// connection. It is safe to call on a broken session.
func (s *Session) Close() error {
	if s.broken != nil {
		return nil
	}
	s.w.WriteString("QUIT\r\n")
	if s.flush("quit", min(s.opts.CommandTimeout, 5e9)) == nil {
		s.rr.read()
	}
	err := s.conn.Close()
	s.broken = ErrUnusable
	return err
}

// txn is the state of one Deliver.
type txn struct {
	s        *Session
	from     string
	rcpts    []string
	body     []byte
	res      Result
	size     int  // body size on the wire without dot-stuffing
	eight    bool // body has 8-bit bytes
	utf8     bool // an address needs SMTPUTF8
	sent     int  // recipients sent to the server
	accepted int
	mailRead bool
	mailOK   bool
	replied  int  // RCPT replies read
	bodySent bool // the whole body is on the wire and the final reply is due
	done     bool // the server ended the transaction (final reply read)

	requireTLS bool // MAIL FROM ... REQUIRETLS
}

func (t *txn) bdat() bool { return t.s.caps.chunking && !t.s.opts.NoChunking }

// needReset is true when MAIL was accepted but the transaction did not end.
func (t *txn) needReset() bool { return t.mailOK && !t.done }

// precheck refuses locally what the server would refuse or what must not
// be sent (an address that could inject commands), and reports whether
// nothing is left to send.
func (t *txn) precheck() bool {
	s := t.s
	t.size = writeBody(nil, t.body, false)
	t.eight = needs8bit(t.body)
	if s.caps.sizeLimit > 0 && int64(t.size) > s.caps.sizeLimit {
		return t.refuseAll(message.Response{Code: 552, Enhanced: "5.3.4",
			Text: fmt.Sprintf("local: message size %d exceeds the server's limit of %d", t.size, s.caps.sizeLimit)})
	}
	if !safeAddr(t.from) {
		return t.refuseAll(message.Response{Code: 501, Enhanced: "5.1.7", Text: "local: bad sender address syntax"})
	}
	if !isASCII(t.from) {
		if !s.caps.smtputf8 {
			return t.refuseAll(noUTF8)
		}
		t.utf8 = true
	}
	for i, rc := range t.rcpts {
		switch {
		case !safeAddr(rc) || rc == "":
			t.res.Rcpt[i] = message.Response{Code: 501, Enhanced: "5.1.3", Text: "local: bad recipient address syntax"}
		case !isASCII(rc) && !s.caps.smtputf8:
			t.res.Rcpt[i] = noUTF8
		default:
			t.utf8 = t.utf8 || !isASCII(rc)
			t.sent++
		}
	}
	if t.sent == 0 {
		t.res.Response = message.Response{Code: 554, Enhanced: "5.5.1", Text: "local: no valid recipients"}
		if n := len(t.res.Rcpt); n > 0 {
			t.res.Response = t.res.Rcpt[n-1] // the last refusal, as for the server's
		}
		return true
	}
	return false
}

var noUTF8 = message.Response{Code: 553, Enhanced: "5.6.7", Text: "local: address needs SMTPUTF8, which the server does not offer"}

func (t *txn) refuseAll(r message.Response) bool {
	t.res.Response, t.res.Whole = r, true
	for i := range t.res.Rcpt {
		t.res.Rcpt[i] = r
	}
	return true
}

// safeAddr rejects what would break the command line: controls, brackets.
func safeAddr(a string) bool {
	for i := 0; i < len(a); i++ {
		if c := a[i]; c < 0x20 || c == 0x7f || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

func (t *txn) writeMail() {
	s := t.s
	s.w.WriteString("MAIL FROM:<")
	s.w.WriteString(t.from)
	s.w.WriteByte('>')
	if s.caps.size {
		s.w.WriteString(" SIZE=")
		s.w.Write(strconv.AppendInt(s.num[:0], int64(t.size), 10))
	}
	if t.eight && s.caps.eightBit {
		s.w.WriteString(" BODY=8BITMIME")
	}
	if t.utf8 {
		s.w.WriteString(" SMTPUTF8")
	}
	if t.requireTLS {
		s.w.WriteString(" REQUIRETLS")
	}
	s.w.Write(crlf)
}

func (t *txn) writeRcpt(rc string) {
	t.s.w.WriteString("RCPT TO:<")
	t.s.w.WriteString(rc)
	t.s.w.WriteString(">\r\n")
}

func (t *txn) writeBDAT() {
	s := t.s
	s.w.WriteString("BDAT ")
	s.w.Write(strconv.AppendInt(s.num[:0], int64(t.size), 10))
	s.w.WriteString(" LAST\r\n")
	writeBody(s.w, t.body, false)
}

package delivery

import (
	"github.com/wasmta/wasmta/mta/message"
)

// pipelined sends MAIL, every RCPT and DATA (or BDAT with the body) in one
// write, then reads the replies in order.
func (t *txn) pipelined() error {
	s := t.s
	t.writeMail()
	for i, rc := range t.rcpts {
		if t.res.Rcpt[i].Code == 0 {
			t.writeRcpt(rc)
		}
	}
	if t.bdat() {
		t.writeBDAT()
	} else {
		s.w.WriteString("DATA\r\n")
	}
	if err := s.flush(StageMail, s.opts.CommandTimeout); err != nil {
		return err
	}
	t.bodySent = t.bdat()
	if err := t.readEnvelope(); err != nil {
		return err
	}
	if t.bdat() {
		return t.finalReply()
	}
	dataResp, err := t.replyAt(StageData)
	if err != nil {
		return err
	}
	return t.afterData(dataResp)
}

// lockstep waits for each reply before the next command, for servers
// without PIPELINING.
func (t *txn) lockstep() error {
	s := t.s
	t.writeMail()
	if err := s.flush(StageMail, s.opts.CommandTimeout); err != nil {
		return err
	}
	mail, err := t.replyAt(StageMail)
	if err != nil {
		return err
	}
	if !t.mailReply(mail) {
		t.fillRefused(mail)
		return nil
	}
	for i, rc := range t.rcpts {
		if t.res.Rcpt[i].Code != 0 {
			continue
		}
		t.writeRcpt(rc)
		if err := s.flush(StageRcpt, s.opts.CommandTimeout); err != nil {
			return err
		}
		r, err := t.replyAt(StageRcpt)
		if err != nil {
			return err
		}
		t.rcptReply(i, r)
	}
	if t.accepted == 0 {
		return nil
	}
	if t.bdat() {
		return t.sendBody(true)
	}
	dataResp, err := s.command(StageData, "DATA", "")
	if err != nil {
		return err
	}
	return t.afterData(dataResp)
}

// readEnvelope reads the MAIL and RCPT replies of a pipelined batch.
func (t *txn) readEnvelope() error {
	mail, err := t.replyAt(StageMail)
	if err != nil {
		return err
	}
	t.mailReply(mail)
	for i := range t.rcpts {
		if t.res.Rcpt[i].Code != 0 {
			continue
		}
		r, err := t.replyAt(StageRcpt)
		if err != nil {
			return err
		}
		if t.mailOK {
			t.rcptReply(i, r)
		} // else a "need MAIL" reply, which says nothing
	}
	if !t.mailOK {
		t.fillRefused(mail)
	}
	return nil
}

func (t *txn) mailReply(r message.Response) bool {
	t.mailRead, t.mailOK = true, r.Code/100 == 2
	if !t.mailOK {
		t.res.Response = r
	}
	return t.mailOK
}

// fillRefused gives a refused MAIL's reply to every recipient sent.
func (t *txn) fillRefused(mail message.Response) {
	t.res.Whole = true
	for i := range t.res.Rcpt {
		if t.res.Rcpt[i].Code == 0 {
			t.res.Rcpt[i] = mail
		}
	}
}

func (t *txn) rcptReply(i int, r message.Response) {
	t.res.Rcpt[i] = r
	t.replied++
	if r.Code/100 == 2 {
		t.accepted++
	} else if t.accepted == 0 {
		t.res.Response = r
	}
}

// afterData acts on the reply to DATA: send the body after a 354, or
// record why there is none.
func (t *txn) afterData(r message.Response) error {
	if r.Code != 354 {
		if t.accepted > 0 {
			t.res.Response = r
		}
		return nil
	}
	if t.accepted == 0 {
		// RFC 2920 3.1: a server that says 354 with no valid recipient gets
		// an empty message, which it will refuse.
		t.s.w.WriteString(".\r\n")
		if err := t.s.flush(StageData, t.s.opts.DataTimeout); err != nil {
			return err
		}
		_, err := t.replyAt(StageData)
		t.done = true
		return err
	}
	return t.sendBody(false)
}

// sendBody writes the body (BDAT or dot-stuffed DATA) and reads the final
// reply.
func (t *txn) sendBody(bdat bool) error {
	s := t.s
	if bdat {
		t.writeBDAT()
	} else {
		writeBody(s.w, t.body, true)
		s.w.WriteString(".\r\n")
	}
	if err := s.flush(StageData, s.opts.DataTimeout); err != nil {
		return err // a write that failed leaves no complete message behind
	}
	t.bodySent = true
	return t.finalReply()
}

func (t *txn) finalReply() error {
	t.s.deadline(t.s.opts.DataTimeout)
	r, err := t.replyAt(StageData)
	if err != nil {
		return err
	}
	t.done = t.mailOK && (!t.bdat() || r.Code/100 == 2) // after a refused BDAT, RSET to be sure
	if t.accepted > 0 {
		t.res.Response = r
	}
	return nil
}

// replyAt reads one reply; failures become errors that say whether the
// message may have been delivered.
func (t *txn) replyAt(stage string) (message.Response, error) {
	r, err := t.s.reply(stage)
	if err != nil {
		if de, ok := err.(*Error); ok && de.Response.Code == 0 {
			de.MaybeDelivered = t.maybeDelivered()
		}
		return r, err
	}
	return r, nil
}

// maybeDelivered: the whole body went out and no reply read so far rules
// delivery out (a refused MAIL, or every recipient refused).
func (t *txn) maybeDelivered() bool {
	if !t.bodySent || (t.mailRead && !t.mailOK) {
		return false
	}
	return t.accepted > 0 || t.replied < t.sent
}

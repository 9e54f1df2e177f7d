package reception

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

var crlf = []byte("\r\n")

// dkimReserve is the room left in front of the body for DKIM-Signature
// fields, so that signing adds no copy: an RSA-2048 and an Ed25519
// signature together take about 1 KiB.
const dkimReserve = 2048

// span is a byte range [start, end) of the message data.
type span struct{ start, end int }

// content is the message data and what reception changes in it.
type content struct {
	data   []byte
	skips  []span // ranges removed (the campaign field), all in the header
	fields []byte // fields reception adds itself (Date, Message-ID)
	sepAt  int    // where an empty line goes (a header without one); -1: none
}

// buildBody returns the spooled body in one allocation:
//
//	Received: trace field
//	DKIM-Signature fields from Sign (signing policy header + data)
//	header fields added by on_message, then Date and Message-ID when
//	reception adds them
//	the message data, without the skip ranges, ending in CRLF, with an
//	empty line where its header section ends without one
//
// The signature is prepended like any signer does, so it sits above the
// fields it covers; Received comes last, on top, as every hop's does.
func (s *Server) buildBody(m *message.Message, peer netip.Addr, res *policy.MessageResult, c *content) ([]byte, error) {
	var rb [320]byte
	received := appendReceived(rb[:0], m, peer, s.opts.Hostname)
	tail := intake.HeaderFieldsLen(res.AddHeaders) + len(c.fields) + len(c.data) + 4
	for _, sp := range c.skips {
		tail -= sp.end - sp.start
	}
	sign := s.opts.Sign != nil && res.DKIM != "off"
	front := len(received)
	if sign {
		front += dkimReserve
	}
	buf := make([]byte, front+tail)
	t := buf[front:front]
	t = intake.AppendHeaderFields(t, res.AddHeaders)
	t = append(t, c.fields...)
	if c.sepAt >= 0 {
		t = appendWithout(t, c.data[:c.sepAt], c.skips)
		t = append(append(t, crlf...), c.data[c.sepAt:]...)
	} else {
		t = appendWithout(t, c.data, c.skips)
	}
	if len(t) > 0 && !bytes.HasSuffix(t, crlf) {
		t = append(t, crlf...)
	}
	start := front - len(received)
	if sign {
		sig, err := s.opts.Sign(s.ctx, m, res.DKIM, t)
		if err != nil {
			return nil, err
		}
		if len(sig) > dkimReserve {
			return joinBody(received, sig, t), nil
		}
		start = front - len(sig) - len(received)
		copy(buf[front-len(sig):], sig)
	}
	copy(buf[start:], received)
	return buf[start : front+len(t)], nil
}

func joinBody(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// appendWithout appends data minus the skip ranges (sorted, disjoint).
func appendWithout(dst, data []byte, skips []span) []byte {
	at := 0
	for _, sp := range skips {
		dst = append(dst, data[at:sp.start]...)
		at = sp.end
	}
	return append(dst, data[at:]...)
}

// appendReceived appends the RFC 5321 4.4 trace field of an SMTP
// reception. There is no DNS lookup of the client on the hot path, so
// TCP-info is the address literal.
func appendReceived(b []byte, m *message.Message, peer netip.Addr, host string) []byte {
	b = append(b, "Received: from "...)
	b = appendSafeHelo(b, m.Helo)
	b = append(b, " ("...)
	b = appendAddressLiteral(b, peer)
	b = append(b, ')')
	return appendTrace(b, m, host)
}

// AppendReceived appends the trace field of a reception without HELO (the
// HTTP API): "from [address]", then the same clauses as SMTP's, so that
// both doors write one format.
func AppendReceived(b []byte, m *message.Message, peer netip.Addr, host string) []byte {
	b = append(b, "Received: from "...)
	b = appendAddressLiteral(b, peer)
	return appendTrace(b, m, host)
}

// appendTrace appends the BY, WITH, ID, FOR and date parts of a Received
// field.
func appendTrace(b []byte, m *message.Message, host string) []byte {
	b = append(b, "\r\n\tby "...)
	b = append(b, host...)
	b = append(b, " (wasmta) with "...)
	b = append(b, m.Protocol...)
	b = append(b, " id "...)
	b = hex.AppendEncode(b, m.ID[:])
	if len(m.Recipients) == 1 {
		b = append(b, "\r\n\tfor <"...)
		b = append(b, m.Recipients[0].Addr...)
		b = append(b, '>')
	}
	b = append(b, ";\r\n\t"...)
	b = appendDate(b, m.ReceivedAt)
	return append(b, crlf...)
}

// traceDate is the RFC 1123 date of one second, in UTC.
type traceDate struct {
	sec  int64
	text []byte
}

// lastDate is the date of the latest second formatted: messages received in
// the same second share it, since formatting a date cost more than the rest
// of the Received field.
var lastDate atomic.Pointer[traceDate]

// appendDate appends t in RFC 1123 form with a numeric zone, in UTC.
func appendDate(b []byte, t time.Time) []byte {
	sec := t.Unix()
	d := lastDate.Load()
	if d == nil || d.sec != sec {
		d = &traceDate{sec: sec, text: t.UTC().AppendFormat(nil, time.RFC1123Z)}
		lastDate.Store(d)
	}
	return append(b, d.text...)
}

func appendAddressLiteral(b []byte, a netip.Addr) []byte {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return append(b, "unknown"...)
	case a.Is4():
		b = append(b, '[')
	default:
		b = append(b, "[IPv6:"...)
	}
	b = a.AppendTo(b)
	return append(b, ']')
}

// appendSafeHelo appends the client's HELO argument with anything that
// could break the field (parentheses, control or 8-bit bytes) replaced.
func appendSafeHelo(b []byte, helo string) []byte {
	if helo == "" {
		return append(b, "unknown"...)
	}
	if len(helo) > 255 {
		helo = helo[:255]
	}
	for i := 0; i < len(helo); i++ {
		b = append(b, domainByte(helo[i]))
	}
	return b
}

func domainByte(c byte) byte {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return c
	case strings.IndexByte(".-_:[]", c) >= 0:
		return c
	}
	return '?'
}

func sanitizeDomain(d string) string {
	b := make([]byte, len(d))
	for i := 0; i < len(d); i++ {
		b[i] = domainByte(d[i])
	}
	return string(b)
}

package httpapi

import (
	"context"
	"net"
	"net/netip"

	"github.com/wasmta/wasmta/mta/intake"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/reception"
)

// dkimReserve is the room left in front of the message for the
// DKIM-Signature fields, so that signing adds no copy (an RSA-2048 and an
// Ed25519 signature together take about 1 KiB).
const dkimReserve = 2048

// buildBody returns the spooled body in one allocation, laid out as SMTP
// reception lays it out:
//
//	Received: trace field
//	DKIM-Signature fields (signing covers what follows)
//	header fields added by on_message
//	the message
func (s *Server) buildBody(ctx context.Context, m *message.Message, res *policy.MessageResult, msg []byte) ([]byte, error) {
	received := appendReceived(make([]byte, 0, 320), m, s.opts.Hostname)
	added := intake.HeaderFieldsLen(res.AddHeaders)
	sign := s.opts.Sign != nil && res.DKIM != "off"
	front := len(received)
	if sign {
		front += dkimReserve
	}
	buf := make([]byte, front, front+added+len(msg))
	buf = intake.AppendHeaderFields(buf, res.AddHeaders)
	buf = append(buf, msg...)
	t := buf[front:]
	start := front - len(received)
	if sign {
		sig, err := s.opts.Sign(ctx, m, res.DKIM, t)
		if err != nil {
			return nil, err
		}
		if len(sig) > dkimReserve {
			out := append(append(received, sig...), t...)
			return out, nil
		}
		start -= len(sig)
		copy(buf[front-len(sig):], sig)
	}
	copy(buf[start:], received)
	return buf[start:], nil
}

// appendReceived writes the trace field of an HTTP reception, in the
// SMTP reception's format:
//
//	Received: from [192.0.2.1] by mta.example (wasmta) with HTTP id <hex>
//		for <rcpt>; date
func appendReceived(b []byte, m *message.Message, host string) []byte {
	var peer netip.Addr
	if h, _, err := net.SplitHostPort(m.Peer); err == nil {
		peer, _ = netip.ParseAddr(h)
	}
	return reception.AppendReceived(b, m, peer, host)
}

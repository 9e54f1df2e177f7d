package engine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/reception"
)

// The inbound listener takes the mail that comes back (bounces to the
// VERP return paths, feedback-loop reports) through a reception server of
// its own: reception's limits and smuggling defences, no AUTH, no relay
// (RCPT only for the inbound domains), and a submitter that keeps each
// report in the spool (aux namespace "inbound", synced before the 250)
// instead of queueing it for delivery. A processor reads the reports
// from there, so a crash between the 250 and the processing loses
// nothing: the report is read again at the next start.

const (
	nsInbound    = "inbound"     // ID -> envelope and raw report, until processed
	nsInboundRaw = "inbound-raw" // ID -> reports not understood, kept inbound.keep_raw
)

// inboundEnvelope is what the spool keeps of a report besides its bytes.
type inboundEnvelope struct {
	Sender     string    `json:"sender,omitempty"`
	Recipients []string  `json:"recipients"`
	Peer       string    `json:"peer,omitempty"`
	Received   time.Time `json:"received"`
}

// inboundSubmitter is the Submitter of the inbound listener.
type inboundSubmitter struct{ e *Engine }

// Submit keeps the report, synced, and wakes the processor.
func (s inboundSubmitter) Submit(_ context.Context, m *message.Message, body []byte, spooled func()) error {
	env := inboundEnvelope{Sender: m.Sender, Peer: m.Peer, Received: m.ReceivedAt}
	for _, r := range m.Recipients {
		env.Recipients = append(env.Recipients, r.Addr)
	}
	if err := s.e.spool.PutAux(nsInbound, m.ID[:], encodeInbound(env, body), true); err != nil {
		return fmt.Errorf("engine: keep inbound report %s: %w", m.ID, err)
	}
	if spooled != nil {
		spooled()
	}
	select {
	case s.e.fb.wake <- struct{}{}:
	default:
	}
	return nil
}

func encodeInbound(env inboundEnvelope, body []byte) []byte {
	j, _ := json.Marshal(env)
	b := binary.AppendUvarint(make([]byte, 0, len(j)+len(body)+4), uint64(len(j)))
	return append(append(b, j...), body...)
}

func decodeInbound(v []byte) (inboundEnvelope, []byte, error) {
	var env inboundEnvelope
	n, w := binary.Uvarint(v)
	if w <= 0 || uint64(len(v)-w) < n {
		return env, nil, errors.New("engine: inbound report: bad envelope length")
	}
	if err := json.Unmarshal(v[w:w+int(n)], &env); err != nil {
		return env, nil, fmt.Errorf("engine: inbound report envelope: %w", err)
	}
	return env, v[w+int(n):], nil
}

// inboundGuard accepts recipients at the inbound domains only.
func (e *Engine) inboundGuard() *policy.Guard {
	domains := e.conf().InboundDomains()
	g := policy.NewGuard(nil, &policy.Default{}, e.policyFault)
	g.SetRcptGate(func(_ context.Context, in *policy.RcptInput) *policy.Reply {
		if slices.Contains(domains, message.Domain(in.Recipient)) {
			return nil
		}
		return &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "this server takes only bounces and reports for its own domains"}
	})
	return g
}

// startInbound starts the inbound listener and the processor, when
// inbound.listen is set.
func (e *Engine) startInbound() error {
	in := e.conf().Inbound
	if !in.Listen.IsValid() {
		return nil
	}
	all := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	srv, err := reception.New(reception.Options{
		Hostname:        e.conf().Hostname,
		Banner:          e.banner(e.conf()),
		MaxMessageBytes: in.MaxMessageSize,
		MaxRecipients:   100,
		MaxConnections:  e.conf().SMTP.MaxConnections,
		MaxLineLength:   e.conf().SMTP.MaxLineLength,
		CommandTimeout:  e.conf().SMTP.CommandTimeout,
		DataTimeout:     e.conf().SMTP.DataTimeout,
		RelayNets:       all, // anyone may send; the guard takes the inbound domains only
		// Trusted by nobody: the per-client limits and error limits apply
		// to everyone (reception's defaults); a data budget of its own.
		MaxDataInFlight: e.conf().SMTP.MaxDataInFlight,
		Policy:          e.inboundGuard(),
		Submitter:       inboundSubmitter{e},
		Records:         e.rec,
		Logger:          e.log.With("listener", "inbound"),
	})
	if err != nil {
		return fmt.Errorf("engine: inbound listener: %w", err)
	}
	ln, err := reception.Listen(in.Listen.String())
	if err != nil {
		return fmt.Errorf("engine: inbound.listen: %w", err)
	}
	e.fb.inbound, e.fb.inboundLn = srv, ln
	e.wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			e.log.Error("inbound server", "addr", ln.Addr(), "err", err)
		}
	})
	e.wg.Go(func() { e.processInbound(e.ctx) })
	e.log.Info("inbound listening", "addr", ln.Addr(), "domains", strings.Join(e.conf().InboundDomains(), ","))
	return nil
}

// InboundAddr returns the inbound listener's address, or nil when off.
func (e *Engine) InboundAddr() net.Addr {
	if e.fb.inboundLn == nil {
		return nil
	}
	return e.fb.inboundLn.Addr()
}

// stopInbound stops taking reports (the processor stops with the engine).
func (e *Engine) stopInbound(ctx context.Context) {
	if e.fb.inbound != nil {
		e.fb.inbound.Shutdown(ctx)
	}
}

package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/fleet"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/reception"
)

// Moving a node's queued mail to another node of the fleet (wasmta
// xfer), for maintenance: each message goes over SMTP to the other
// node's listener with a first header field (fleet.XferHeader) that keeps
// its id, tenant, campaign, metadata and reception time, signed with the
// fleet's key. The other node spools it as it is and writes a Reception
// record with meta xfer_from; this node writes a Transfer record per
// recipient and forgets the message. A message the other node does not
// take stays here, queued as before.

// XferResult counts what Xfer moved, and what it could not.
type XferResult struct {
	To       string `json:"to"` // the SMTP address mail went to
	Messages int    `json:"messages"`
	Rcpts    int    `json:"recipients"`
	Failed   int    `json:"failed"` // messages left queued here
}

// Xfer moves the queued messages that sel matches to the node named to
// (or to an SMTP address host:port). Items in the middle of an attempt
// finish it here.
func (e *Engine) Xfer(ctx context.Context, to string, sel message.Selector) (XferResult, error) {
	f := e.opts.Fleet
	if f == nil {
		return XferResult{}, errors.New("engine: xfer needs a fleet ([cluster]): the other node checks the fleet's signature")
	}
	addr, err := e.xferAddr(ctx, to)
	if err != nil {
		return XferResult{}, err
	}
	c, err := smtp.Dial(addr)
	if err != nil {
		return XferResult{To: addr}, fmt.Errorf("engine: xfer to %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(e.conf().Hostname); err != nil {
		return XferResult{To: addr}, fmt.Errorf("engine: xfer to %s: %w", addr, err)
	}
	// Encrypted when the other node offers it: go-smtp starts TLS only on
	// a fresh connection, so one that offers it is dialled again. The
	// certificate is not checked: a node's is often its own, and what
	// the transfer must prove (who sent it, and that nothing was changed)
	// the fleet's signature over the envelope and body proves already.
	if ok, _ := c.Extension("STARTTLS"); ok {
		c.Close()
		host, _, _ := net.SplitHostPort(addr)
		if c, err = smtp.DialStartTLS(addr, &tls.Config{ServerName: host, InsecureSkipVerify: true}); err != nil {
			return XferResult{To: addr}, fmt.Errorf("engine: xfer to %s: STARTTLS: %w", addr, err)
		}
		defer c.Close()
	}
	res := XferResult{To: addr}
	held := append(e.takeScheduled(byKey(sel.Match)), e.takeReady(byKey(sel.Match))...)
	for id, items := range groupByMessage(held) {
		n, err := e.xferOne(ctx, c, id, items)
		if err != nil {
			e.log.Warn("xfer: message stays here", "id", id, "to", addr, "err", err)
			e.putBack(items)
			res.Failed++
			c.Reset()
			continue
		}
		res.Messages++
		res.Rcpts += n
	}
	c.Quit()
	e.log.Info("xfer", "to", addr, "messages", res.Messages, "recipients", res.Rcpts, "failed", res.Failed)
	return res, nil
}

// xferAddr finds the SMTP listener of node to in the fleet's membership.
func (e *Engine) xferAddr(ctx context.Context, to string) (string, error) {
	if strings.Contains(to, ":") {
		return to, nil
	}
	nodes, err := e.opts.Fleet.Nodes(ctx)
	if err != nil && !errors.Is(err, fleet.ErrUnreachable) {
		return "", err
	}
	for _, n := range nodes {
		if n.Node != to {
			continue
		}
		if !n.Live || n.SMTP == "" {
			return "", fmt.Errorf("engine: xfer: node %q is not live or has no SMTP listener", to)
		}
		return n.SMTP, nil
	}
	return "", fmt.Errorf("engine: xfer: no node %q in the fleet (wasmta fleet status lists them)", to)
}

// xferOne sends the items of message id in one transaction and, once the
// other node took it, ends them here; it returns the recipients moved.
func (e *Engine) xferOne(ctx context.Context, c *smtp.Client, id message.ID, items []heldItem) (int, error) {
	m := items[0].msg
	var err error
	if m == nil {
		if m, err = e.spool.Message(id); err != nil {
			return 0, err
		}
	}
	body, err := e.spool.Body(id)
	if err != nil {
		return 0, err
	}
	if _, isTLS := c.TLSConnectionState(); m.RequireTLS && !isTLS {
		return 0, errors.New("a REQUIRETLS message is not transferred over a session without TLS")
	}
	var addrs []string
	for _, h := range items {
		for _, ri := range h.item.Rcpts {
			addrs = append(addrs, m.Recipients[ri].Addr)
		}
	}
	hdr, err := e.opts.Fleet.SignXfer(ctx, fleet.Xfer{ID: id.String(), Tenant: m.Tenant, Campaign: m.Campaign,
		Meta: m.Meta, Received: m.ReceivedAt, RequireTLS: m.RequireTLS, Digest: fleet.XferDigest(m.Sender, addrs, body)})
	if err != nil {
		return 0, err
	}
	if err := c.Mail(m.Sender, nil); err != nil {
		return 0, err
	}
	for _, a := range addrs {
		if err := c.Rcpt(a, nil); err != nil {
			return 0, fmt.Errorf("%s: %w", a, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return 0, err
	}
	w.Write([]byte(fleet.XferHeader + ": " + hdr + "\r\n"))
	w.Write(body)
	if err := w.Close(); err != nil {
		return 0, err
	}
	e.xferDone(m, items)
	return len(addrs), nil
}

// xferDone ends the items of m here with a Transfer record each.
func (e *Engine) xferDone(m *message.Message, items []heldItem) {
	resp := message.Response{Code: 250, Enhanced: "2.0.0", Text: "transferred to another node of the fleet"}
	var idx []int
	var states []message.RcptState
	for _, h := range items {
		for _, ri := range h.item.Rcpts {
			e.record(&events.Record{Type: events.Transfer, ID: m.ID.String(), Tenant: m.Tenant,
				Campaign: m.Campaign, Sender: m.Sender, Recipient: m.Recipients[ri].Addr, Queue: h.key.String(),
				Attempts: int(h.item.Attempts), QueueTime: time.Since(m.ReceivedAt).Seconds(), Response: &resp, Meta: m.Meta})
			idx = append(idx, int(ri))
			states = append(states, message.RcptState{Status: message.Delivered, Attempts: int(h.item.Attempts), Last: resp})
		}
	}
	if e.pendingItems(m.ID) > len(items) {
		if err := e.spool.SetStates(m.ID, idx, states, false); err != nil {
			e.log.Error("spool: save recipient states", "id", m.ID, "err", err)
		}
	}
	e.itemDone(m.ID, len(items))
}

// putBack queues items that stay here again, due when they were.
func (e *Engine) putBack(items []heldItem) {
	for _, h := range items {
		e.sched.Add(h.key, h.item)
	}
}

// acceptTransfer is reception's check of a transferred message: the
// fleet's signature over its identity, envelope and body, and whether the
// fleet took it already; no transfers at all without a fleet.
func (e *Engine) acceptTransfer() reception.Transfer {
	f := e.opts.Fleet
	if f == nil {
		return nil
	}
	return func(ctx context.Context, value, sender string, rcpts []string, body []byte) (*message.Message, func(), error) {
		x, err := f.VerifyXfer(ctx, value)
		if err != nil {
			return nil, nil, err
		}
		if fleet.XferDigest(sender, rcpts, body) != x.Digest {
			return nil, nil, fmt.Errorf("%w (the envelope or body is not the one signed)", fleet.ErrXferSignature)
		}
		id, err := message.ParseID(x.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("engine: transfer: id %q: %w", x.ID, err)
		}
		switch seen, err := f.XferSeen(ctx, x.ID); {
		case err != nil:
			return nil, nil, err
		case seen == x.Digest:
			return nil, nil, reception.ErrTransferred
		case seen != "":
			return nil, nil, fmt.Errorf("%w (id %s was taken with another envelope)", fleet.ErrXferSignature, x.ID)
		}
		meta := map[string]string{"xfer_from": x.From}
		for k, v := range x.Meta {
			meta[k] = v
		}
		taken := func() {
			if err := f.XferTaken(ctx, x.ID, x.Digest); err != nil {
				e.log.Warn("xfer: could not note the transfer as taken", "id", x.ID, "err", err)
			}
		}
		return &message.Message{ID: id, Tenant: x.Tenant, Campaign: x.Campaign, Meta: meta,
			ReceivedAt: x.Received, RequireTLS: x.RequireTLS}, taken, nil
	}
}

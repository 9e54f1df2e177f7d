package providersim

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// Stage names the point of an SMTP transaction where a reply is given.
type Stage string

// The stages at which throttling and random failures can be answered.
const (
	StageMail Stage = "mail" // in reply to MAIL FROM
	StageRcpt Stage = "rcpt" // in reply to every RCPT TO of the transaction
	StageData Stage = "data" // in reply to the end of DATA
)

func (s Stage) valid() bool {
	return s == StageMail || s == StageRcpt || s == StageData
}

// Delay is a latency: Fixed plus a uniform draw in [0, Jitter).
type Delay struct {
	Fixed  time.Duration
	Jitter time.Duration
}

// Latency is the time a provider takes before answering each command.
// EHLO latency applies to the first EHLO of a session (and to the EHLO that
// follows STARTTLS); a repeated EHLO on the same session answers at once,
// because go-smtp gives the backend no hook for it.
type Latency struct {
	Banner  Delay
	EHLO    Delay
	Mail    Delay
	Rcpt    Delay
	DataEnd Delay
}

func (d Delay) scaled(f float64) Delay {
	return Delay{time.Duration(float64(d.Fixed) * f), time.Duration(float64(d.Jitter) * f)}
}

func (l Latency) scaled(f float64) Latency {
	return Latency{l.Banner.scaled(f), l.EHLO.scaled(f), l.Mail.scaled(f), l.Rcpt.scaled(f), l.DataEnd.scaled(f)}
}

// Reply is an SMTP reply the simulator sends instead of accepting.
//
// Text may hold placeholders, replaced when the reply is sent:
// {ip} the client IP, {host} the provider's Hostname, {rcpt} the recipient
// (RCPT stage only, empty elsewhere), {domain} the recipient's domain,
// {id} a short pseudo-random token (seeded) like the ones providers append.
type Reply struct {
	Code     int
	Enhanced string // "4.7.28"; empty sends no enhanced code
	Text     string
	Close    bool // close the connection after this reply
}

// Provider describes one simulated mailbox provider. Zero values disable a
// feature: no latency, no connection limit, no rate limit, no failures.
type Provider struct {
	Name     string
	Addr     string // listen address, e.g. 127.0.10.1:2525 (port 0 picks one)
	Hostname string // banner name and suggested MX host
	// Domains are the recipient domains a test DNS should point at this
	// provider (MX Hostname → Addr); see Sim.Domains.
	Domains []string

	Latency Latency

	// MaxConnsPerIP caps concurrent connections per client IP; the one over
	// the cap gets ConnLimitReply as its greeting and is closed. Unless
	// StrictConnLimit is set, a connection over the cap first waits briefly
	// (connGrace) for a slot, so that a client reconnecting right after QUIT
	// is not refused because the server had not finished closing the old
	// connection; with it, the connection is refused at once, as a server
	// that counts a connection until it has seen it closed does.
	MaxConnsPerIP   int
	ConnLimitReply  Reply
	StrictConnLimit bool

	// MaxMsgsPerConn caps messages accepted per connection; the next MAIL
	// gets MsgsPerConnReply.
	MaxMsgsPerConn   int
	MsgsPerConnReply Reply

	// RatePerIP is a token bucket per client IP in messages per second
	// (one token per MAIL FROM), Burst its depth (0 means 1). Once empty, the
	// transaction gets ThrottleReply at ThrottleAt. ThrottleHold keeps an IP
	// throttled for that long after its first throttled message, the way
	// providers keep a deferral in place for a while.
	RatePerIP     float64
	Burst         int
	ThrottleReply Reply
	ThrottleAt    Stage
	ThrottleHold  time.Duration

	// TempFailRate is the probability that a transaction fails with
	// TempFailReply at TempFailAt, drawn once per MAIL FROM.
	TempFailRate  float64
	TempFailReply Reply
	TempFailAt    Stage

	// UnknownUsers are answered with UnknownUserReply at RCPT. An entry with
	// an @ matches the whole address, one without matches the local part;
	// matching ignores case.
	UnknownUsers     []string
	UnknownUserReply Reply

	// Changes alter the limits while the provider runs (a provider that
	// tightens its limits mid-run), each After its delay from the first
	// connection the provider admits.
	Changes []LimitChange

	TLS  bool  // offer STARTTLS with a self-signed certificate
	Seed int64 // seeds jitter, failures and {id}; 0 derives one from the name
}

// validate reports the first configuration error of p.
func (p *Provider) validate() error {
	if p.Name == "" {
		return fmt.Errorf("provider with addr %q: empty name", p.Addr)
	}
	if _, _, err := net.SplitHostPort(p.Addr); err != nil {
		return fmt.Errorf("provider %s: addr %q: %w", p.Name, p.Addr, err)
	}
	if p.RatePerIP < 0 || p.TempFailRate < 0 || p.TempFailRate > 1 {
		return fmt.Errorf("provider %s: rate_per_ip must be ≥ 0 and temp_fail_rate in [0,1]", p.Name)
	}
	if p.MaxConnsPerIP < 0 || p.MaxMsgsPerConn < 0 || p.Burst < 0 {
		return fmt.Errorf("provider %s: negative limit", p.Name)
	}
	for i, c := range p.Changes {
		if err := c.validate(p); err != nil {
			return fmt.Errorf("provider %s: change %d: %w", p.Name, i+1, err)
		}
	}
	checks := []struct {
		on    bool
		what  string
		r     Reply
		stage Stage
	}{
		{p.MaxConnsPerIP > 0, "conn_limit_reply", p.ConnLimitReply, StageMail},
		{p.MaxMsgsPerConn > 0, "msgs_per_conn_reply", p.MsgsPerConnReply, StageMail},
		{p.RatePerIP > 0, "throttle_reply", p.ThrottleReply, p.ThrottleAt},
		{p.TempFailRate > 0, "temp_fail_reply", p.TempFailReply, p.TempFailAt},
		{len(p.UnknownUsers) > 0, "unknown_user_reply", p.UnknownUserReply, StageRcpt},
	}
	for _, c := range checks {
		if !c.on {
			continue
		}
		if err := c.r.validate(); err != nil {
			return fmt.Errorf("provider %s: %s: %w", p.Name, c.what, err)
		}
		if !c.stage.valid() {
			return fmt.Errorf("provider %s: %s: stage %q is not mail, rcpt or data", p.Name, c.what, c.stage)
		}
	}
	return nil
}

// withDefaults fills what a zero value cannot mean.
func (p Provider) withDefaults() Provider {
	if p.Hostname == "" {
		p.Hostname = "mx." + strings.ToLower(p.Name) + ".test"
	}
	if p.RatePerIP > 0 && p.Burst == 0 {
		p.Burst = 1
	}
	if p.Seed == 0 {
		for _, c := range p.Name {
			p.Seed = p.Seed*31 + int64(c)
		}
	}
	return p
}

// isUnknown reports whether rcpt is one of p's unknown users.
func (p *Provider) isUnknown(rcpt string) bool {
	rcpt = strings.ToLower(rcpt)
	local, _, _ := strings.Cut(rcpt, "@")
	for _, u := range p.UnknownUsers {
		u = strings.ToLower(u)
		if u == rcpt || (!strings.Contains(u, "@") && u == local) {
			return true
		}
	}
	return false
}

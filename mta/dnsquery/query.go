package dnsquery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// ednsSize is the UDP payload size announced (DNS flag day 2020); larger
// answers come over TCP.
const ednsSize = 1232

// Client asks one resolver. The zero Timeout means 5 s.
type Client struct {
	Server  string        // "host:port" of the recursive resolver
	Timeout time.Duration // per query
	// Validating says the resolver validates DNSSEC and the path to it is
	// trusted (loopback): only then is an answer's AD bit believed.
	Validating bool
}

// Answer is the outcome of one query.
type Answer struct {
	Records []dns.RR // of the asked type (CNAME links left out)
	TTL     uint32   // smallest TTL of Records
	Rcode   int
	// Secure is the AD bit of the response, and only when the client's
	// resolver is configured as validating.
	Secure bool
}

// NXDomain reports a name that does not exist.
func (a Answer) NXDomain() bool { return a.Rcode == dns.RcodeNameError }

// Errors carried by Query's error; test with errors.Is.
var (
	ErrTimeout  = errors.New("DNS query timed out")
	ErrServFail = errors.New("DNS server failure")
)

// Query asks (name, qtype) with the DO bit set when the client validates.
// NOERROR and NXDOMAIN are answers; any other code (SERVFAIL, the answer of
// a validating resolver to bogus data) and network failures are errors.
func (c *Client) Query(ctx context.Context, name string, qtype uint16) (Answer, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.AuthenticatedData = c.Validating // RFC 6840 5.7: ask for the AD bit
	m.SetEdns0(ednsSize, c.Validating)
	udp := &dns.Client{Net: "udp", UDPSize: ednsSize}
	resp, _, err := udp.ExchangeContext(ctx, m, c.Server)
	if err == nil && resp.Truncated {
		resp, _, err = (&dns.Client{Net: "tcp"}).ExchangeContext(ctx, m, c.Server)
	}
	what := dns.TypeToString[qtype] + " " + name
	if err != nil {
		var ne net.Error
		if ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
			return Answer{}, fmt.Errorf("dnsquery: %s: %w", what, ErrTimeout)
		}
		return Answer{}, fmt.Errorf("dnsquery: %s: %w", what, err)
	}
	if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return Answer{Rcode: resp.Rcode}, fmt.Errorf("dnsquery: %s: %w (%s)", what, ErrServFail, dns.RcodeToString[resp.Rcode])
	}
	a := Answer{Rcode: resp.Rcode, Secure: c.Validating && resp.AuthenticatedData}
	for _, rr := range resp.Answer {
		h := rr.Header()
		if h.Rrtype != qtype || h.Class != dns.ClassINET {
			continue
		}
		if len(a.Records) == 0 || h.Ttl < a.TTL {
			a.TTL = h.Ttl
		}
		a.Records = append(a.Records, rr)
	}
	return a, nil
}

// SystemServer is the first nameserver of /etc/resolv.conf as
// "host:port", or 127.0.0.1:53 without one.
func SystemServer() string {
	cfg, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cfg.Servers) == 0 {
		return "127.0.0.1:53"
	}
	return net.JoinHostPort(cfg.Servers[0], cfg.Port)
}

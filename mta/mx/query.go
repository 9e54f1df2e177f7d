package mx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/miekg/dns"
)

// ednsSize is the UDP payload size we announce: the DNS flag day 2020 value,
// small enough to avoid IP fragmentation. Larger answers come over TCP.
const ednsSize = 1232

// query asks the resolver for (name, qtype) and returns the answer records
// of that type and their smallest TTL. An empty answer without error is
// NODATA. The error, if any, is an *Error whose Domain is name.
func (r *Resolver) query(name string, qtype uint16) ([]dns.RR, uint32, error) {
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.Timeout)
	defer cancel()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	m.SetEdns0(ednsSize, false)
	resp, _, err := r.udp.ExchangeContext(ctx, m, r.server)
	if err == nil && resp.Truncated {
		resp, _, err = r.tcp.ExchangeContext(ctx, m, r.server)
	}
	if err != nil {
		if ctx.Err() != nil || isTimeout(err) {
			return nil, 0, temporary(name, fmt.Errorf("%w: %s %s", ErrTimeout, dns.TypeToString[qtype], name))
		}
		return nil, 0, temporary(name, fmt.Errorf("query %s %s: %w", dns.TypeToString[qtype], name, err))
	}
	switch resp.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, 0, permanent(name, ErrNXDomain)
	default:
		return nil, 0, temporary(name, fmt.Errorf("%w: %s for %s %s", ErrServFail,
			dns.RcodeToString[resp.Rcode], dns.TypeToString[qtype], name))
	}
	var rrs []dns.RR
	var ttl uint32
	for _, rr := range resp.Answer {
		h := rr.Header()
		if h.Rrtype != qtype || h.Class != dns.ClassINET {
			continue // CNAME links of the chain and the like
		}
		if len(rrs) == 0 || h.Ttl < ttl {
			ttl = h.Ttl
		}
		rrs = append(rrs, rr)
	}
	return rrs, ttl, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
}

// ttlOf clamps a DNS TTL to the configured bounds.
func (r *Resolver) ttlOf(ttl uint32) time.Duration {
	d := time.Duration(ttl) * time.Second
	return min(max(d, r.opts.MinTTL), r.opts.MaxTTL)
}

// failTTL is how long a failure is remembered.
func (r *Resolver) failTTL(err error) time.Duration {
	if IsTemporary(err) {
		return r.opts.ErrorTTL
	}
	return r.opts.NegativeTTL
}

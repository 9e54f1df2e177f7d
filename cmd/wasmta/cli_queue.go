package main

import (
	"flag"
	"fmt"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/engine"
)

const queueUsage = `usage:
  wasmta queue summary [--by tenant|campaign|domain|site|source|provider] [--tenant T] [--campaign C] [--domain D] [--json]
  wasmta queue inspect [--json] MESSAGE-ID
  wasmta queue list [--tenant T] [--campaign C] [--domain D] [--limit N] [--after ID] [--json]

Common flags: --admin URL, --config FILE, --token TOKEN (or $WASMTA_ADMIN_TOKEN).
`

func queueCommand(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, queueUsage)
		return errUsage
	}
	switch args[0] {
	case "summary":
		return queueSummary(args[1:])
	case "inspect":
		return queueInspect(args[1:])
	case "list":
		return queueList(args[1:])
	}
	fmt.Fprint(os.Stderr, queueUsage)
	return fmt.Errorf("queue: unknown subcommand %q", args[0])
}

func queueSummary(args []string) error {
	fs := flag.NewFlagSet("queue summary", flag.ExitOnError)
	cf := addClientFlags(fs)
	by := fs.String("by", "tenant", "group by tenant, campaign, domain, site, source or provider")
	tenant := fs.String("tenant", "", "only this tenant's queues")
	campaign := fs.String("campaign", "", "only this campaign's queues")
	domain := fs.String("domain", "", "only queues of this recipient domain")
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("queue summary: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	q := url.Values{"by": {*by}}
	for k, v := range map[string]string{"tenant": *tenant, "campaign": *campaign, "domain": *domain} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var sum admin.QueueSummary
	return c.call("GET", "/v1/queues?"+q.Encode(), nil, &sum, func() { printSummary(&sum) })
}

// emptyKey says what a row with no key holds.
var emptyKey = map[string]string{
	engine.ByTenant: "(no tenant)", engine.ByCampaign: "(no campaign)", engine.ByDomain: "(no domain)",
	engine.BySite: "(none)", engine.BySource: "(not routed yet)", engine.ByProvider: "(other)",
}

func printSummary(s *admin.QueueSummary) {
	paths := s.By == engine.BySite || s.By == engine.BySource || s.By == engine.ByProvider
	w := table(strings.ToUpper(s.By), "QUEUES", "SCHEDULED", "READY", "CONNS", "CONN LIMIT", "RATE LIMIT", "MSGS/CONN", "NEXT DUE", "HELD UNTIL")
	for _, r := range s.Rows {
		key := r.Key
		if key == "" {
			key = emptyKey[s.By]
		}
		conns, connLimit, rateLimit, perConn := "-", "-", "-", "-"
		if paths {
			conns = fmt.Sprint(r.Connections)
		}
		if l := r.PathLimits; l != nil {
			connLimit = fmt.Sprintf("%d (conf %d)", l.LearnedConnections, l.ConfiguredConnections)
			rateLimit = fmt.Sprintf("%s (conf %s)", perSecond(l.LearnedRate), perSecond(l.ConfiguredRate))
			perConn = fmt.Sprintf("%s (conf %s)", count(l.LearnedPerConn), count(l.ConfiguredPerConn))
		}
		held := when(r.PausedUntil)
		if r.Suspended != nil {
			held = when(r.Suspended) + " (suspended)"
		}
		row(w, key, r.Queues, r.Scheduled, r.Ready, conns, connLimit, rateLimit, perConn, when(r.NextDue), held)
	}
	row(w, "TOTAL", "", s.Scheduled, s.Ready, s.Connections, "", "", "", "", "")
	w.Flush()
	fmt.Printf("\n%d items in flight (routed, not final: in ready queues or on a connection)\n", s.InFlight)
	printPathLimits(s.Rows)
}

// perSecond shows a rate limit: "12.5/s", or "none".
func perSecond(r float64) string {
	if r <= 0 {
		return "none"
	}
	return strconv.FormatFloat(math.Round(r*100)/100, 'f', -1, 64) + "/s"
}

// count shows a limit on messages per connection: "20", or "none".
func count(n int) string {
	if n <= 0 {
		return "none"
	}
	return strconv.Itoa(n)
}

func queueInspect(args []string) error {
	fs := flag.NewFlagSet("queue inspect", flag.ExitOnError)
	cf := addClientFlags(fs)
	pos := parseArgs(fs, args)
	if len(pos) != 1 {
		fmt.Fprint(os.Stderr, queueUsage)
		return fmt.Errorf("queue inspect: want one message id")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var m admin.MessageInfo
	return c.call("GET", "/v1/messages/"+url.PathEscape(pos[0]), nil, &m, func() { printMessage(&m) })
}

func printMessage(m *admin.MessageInfo) {
	w := table("Message", m.ID)
	row(w, "Tenant", orDash(m.Tenant))
	row(w, "Campaign", orDash(m.Campaign))
	row(w, "Sender", orDash(m.Sender))
	row(w, "Received", m.ReceivedAt.Format("2006-01-02 15:04:05 MST")+" ("+when(&m.ReceivedAt)+")")
	row(w, "Size", fmt.Sprintf("%d bytes", m.Size))
	row(w, "Client", fmt.Sprintf("%s, %s, helo %s, auth %s", orDash(m.Peer), orDash(m.Protocol), orDash(m.Helo), orDash(m.AuthUser)))
	if m.Pool != "" {
		row(w, "Pool", m.Pool)
	}
	for k, v := range m.Meta {
		row(w, "Meta "+k, v)
	}
	w.Flush()
	fmt.Println("\nHeaders")
	for _, h := range m.Headers {
		fmt.Printf("  %s: %s\n", h.Name, h.Value)
	}
	fmt.Println("\nRecipients")
	w = table("  ADDRESS", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "POOL", "LAST RESPONSE")
	for _, r := range m.Recipients {
		last := "-"
		switch {
		case r.Last == nil:
		case r.Last.Code == 0: // not an SMTP reply: a connection failure, an expiry
			last = r.Last.Text
		default:
			last = strings.Join(strings.Fields(fmt.Sprintf("%d %s %s", r.Last.Code, r.Last.Enhanced, r.Last.Text)), " ")
		}
		status := r.Status
		if r.HeldBy != "" {
			status += " by " + r.HeldBy
		}
		row(w, "  "+r.Address, status, r.Attempts, when(r.Due), orDash(r.Pool), last)
	}
	w.Flush()
	printTLSPolicies(m.TLSPolicies)
}

// printTLSPolicies shows the transport security policy of each recipient
// domain: mode, where it comes from, until when.
func printTLSPolicies(ps []admin.TLSPolicy) {
	if len(ps) == 0 {
		return
	}
	fmt.Println("\nTLS policies")
	w := table("  DOMAIN", "MODE", "SOURCE", "EXPIRES", "MX", "PROBLEM")
	for _, p := range ps {
		row(w, "  "+p.Domain, p.Mode, orDash(p.Source), when(p.Expires), orDash(strings.Join(p.MX, " ")), orDash(p.Problem))
	}
	w.Flush()
}

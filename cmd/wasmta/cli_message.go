package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/history"
)

const messageUsage = `usage:
  wasmta message trace [--json] MESSAGE-ID
  wasmta message trace [--json] [--limit N] --rcpt ADDRESS

Shows every record of a message (reception, attempts, deferrals, delivery,
bounce, out-of-band reports, complaints), also after it left the queue, from
the message history ([history] retention, 7 days by default). --rcpt shows
the latest messages to a recipient, newest first, and its refusals at RCPT.

Common flags: --admin URL, --config FILE, --token TOKEN (or $WASMTA_ADMIN_TOKEN).
`

func messageCommand(args []string) error {
	if len(args) == 0 || args[0] != "trace" {
		fmt.Fprint(os.Stderr, messageUsage)
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
			return errUsage
		}
		return fmt.Errorf("message: unknown subcommand %q", args[0])
	}
	fs := flag.NewFlagSet("message trace", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), messageUsage); fs.PrintDefaults() }
	cf := addClientFlags(fs)
	rcpt := fs.String("rcpt", "", "trace the latest messages to this recipient instead of one message")
	limit := fs.Int("limit", 20, "with --rcpt: at most this many messages")
	pos := parseArgs(fs, args[1:])
	if (*rcpt == "") == (len(pos) == 0) || len(pos) > 1 {
		fmt.Fprint(os.Stderr, messageUsage)
		return fmt.Errorf("message trace: give one message id or --rcpt ADDRESS")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	if *rcpt != "" {
		var out admin.TraceList
		q := url.Values{"rcpt": {*rcpt}, "limit": {strconv.Itoa(*limit)}}
		return c.call("GET", "/v1/trace?"+q.Encode(), nil, &out, func() {
			if len(out.Traces) == 0 {
				fmt.Printf("no record of %s in the history\n", *rcpt)
			}
			for i, tr := range out.Traces {
				if i > 0 {
					fmt.Println()
				}
				printTrace(tr)
			}
		})
	}
	var tr history.Trace
	return c.call("GET", "/v1/messages/"+url.PathEscape(pos[0])+"/trace", nil, &tr, func() { printTrace(&tr) })
}

func printTrace(tr *history.Trace) {
	if tr.ID == "" {
		fmt.Println("Records that name no message")
	} else {
		fmt.Println("Message", tr.ID)
	}
	w := table("  TIME", "TYPE", "RECIPIENT", "DETAIL")
	for _, r := range tr.Records {
		row(w, "  "+r.Time.Local().Format("2006-01-02 15:04:05.000"), r.Type, orDash(r.Recipient), recordDetail(&r))
	}
	w.Flush()
	if len(tr.PolicyFaults) > 0 {
		fmt.Println("\n  Policy faults of the tenant meanwhile")
		w = table("  TIME", "HOOK", "VERSION", "REASON")
		for _, r := range tr.PolicyFaults {
			row(w, "  "+r.Time.Local().Format("2006-01-02 15:04:05.000"), r.Hook, r.PolicyVersion, r.Reason)
		}
		w.Flush()
	}
}

// recordDetail is the one-line gist of a record: the reply, where it
// went, why.
func recordDetail(r *events.Record) string {
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+v)
		}
	}
	if r.Type == events.Reception {
		add("from ", r.Sender)
		add("tenant ", r.Tenant)
		add("campaign ", r.Campaign)
		add("", fmt.Sprintf("%d recipient(s), %d bytes", r.Recipients, r.Size))
	}
	add("via ", r.Source)
	add("to ", r.PeerName)
	switch p := r.Response; {
	case p == nil:
	case p.Code == 0: // not an SMTP reply: a connection failure, an expiry
		add("", p.Text)
	default:
		add("", strings.Join(strings.Fields(fmt.Sprintf("%d %s %s", p.Code, p.Enhanced, p.Text)), " "))
	}
	add("category ", r.Category)
	if r.Response == nil || !strings.Contains(r.Response.Text, r.Reason) {
		add("", r.Reason)
	}
	if r.NextAttempt != nil {
		add("next attempt ", when(r.NextAttempt))
	}
	return strings.Join(parts, "; ")
}

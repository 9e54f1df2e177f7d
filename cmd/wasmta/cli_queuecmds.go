package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/engine"
)

// queueList runs `wasmta queue list`: the message ids in the scheduled
// queues a filter selects, a page at a time.
func queueList(args []string) error {
	fs := flag.NewFlagSet("queue list", flag.ExitOnError)
	cf := addClientFlags(fs)
	f := filterFlags(fs)
	after := fs.String("after", "", "start after this message id (the \"next\" of the previous page)")
	limit := fs.Int("limit", 100, "items per page, 1 to 1000")
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("queue list: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	q := url.Values{"limit": {strconv.Itoa(*limit)}}
	for k, v := range map[string]string{"tenant": f.Tenant, "campaign": f.Campaign, "domain": f.Domain, "after": *after} {
		if v != "" {
			q.Set(k, v)
		}
	}
	var page admin.QueueItems
	return c.call("GET", "/v1/queue/items?"+q.Encode(), nil, &page, func() {
		w := table("MESSAGE", "QUEUE", "RCPTS", "ATTEMPTS", "NEXT ATTEMPT")
		for _, it := range page.Items {
			row(w, it.ID, it.Queue, it.Recipients, it.Attempts, when(&it.Due))
		}
		w.Flush()
		if page.Next != "" {
			fmt.Printf("\nmore: wasmta queue list --after %s\n", page.Next)
		}
	})
}

// providerCommand runs `wasmta provider summary`, which is
// `wasmta queue summary --by provider`.
func providerCommand(args []string) error {
	if len(args) == 0 || args[0] != "summary" {
		fmt.Fprint(os.Stderr, providerUsage)
		return errUsage
	}
	return queueSummary(append([]string{"--by", engine.ByProvider}, args[1:]...))
}

const providerUsage = `usage: wasmta provider summary [--tenant T] [--campaign C] [--domain D] [--json]

The queues grouped by mailbox provider (google, yahoo, microsoft, apple; "" for
others): the same as wasmta queue summary --by provider.
`

// flushCommand runs `wasmta flush`: the selected mail is retried now.
func flushCommand(args []string) error {
	fs := flag.NewFlagSet("flush", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta flush --tenant T | --campaign C | --domain D [--json]\n\n"+
			"Makes the selected queued mail due now (its back-off ends): the next attempt is at once, at the\n"+
			"pace of its path. Mail a suspension holds stays held.\n\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	f := filterFlags(fs)
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("flush: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res admin.Affected
	return c.call("POST", "/v1/flush", f, &res, func() {
		fmt.Printf("flushed %d recipients of %d messages: due now\n", res.Recipients, res.Messages)
	})
}

// deleteCommand runs `wasmta delete ID [--rcpt ADDR]`.
func deleteCommand(args []string) error {
	fs := flag.NewFlagSet("delete", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta delete MESSAGE-ID [--rcpt ADDRESS] [--reason TEXT] [--json]\n\n"+
			"Removes a queued message, or one recipient of it, from the queues: each recipient removed gets\n"+
			"an AdminBounce record (reason \"deleted by the administrator\"); no DSN is sent.\n\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	rcpt := fs.String("rcpt", "", "only this recipient of the message")
	reason := fs.String("reason", "", "written in the records")
	pos := parseArgs(fs, args)
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	q := url.Values{}
	if *rcpt != "" {
		q.Set("recipient", *rcpt)
	}
	if *reason != "" {
		q.Set("reason", *reason)
	}
	var res admin.Affected
	return c.call("DELETE", "/v1/messages/"+url.PathEscape(pos[0])+"?"+q.Encode(), nil, &res, func() {
		fmt.Printf("deleted %d recipients of message %s\n", res.Recipients, pos[0])
	})
}

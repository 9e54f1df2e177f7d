package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wasmta/wasmta/mta/webhook"
)

const webhookUsage = `usage: wasmta webhook status [--json]

Shows each webhook: its backlog (records not yet acknowledged), what was
delivered and posted since start, failed POSTs and the last error.

Common flags: --admin URL, --config FILE, --token TOKEN (or $WASMTA_ADMIN_TOKEN).
`

// webhookCommand runs `wasmta webhook status` (GET /v1/webhooks).
func webhookCommand(args []string) error {
	if len(args) == 0 || args[0] != "status" {
		fmt.Fprint(os.Stderr, webhookUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("webhook status", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), webhookUsage+"\n"); fs.PrintDefaults() }
	cf := addClientFlags(fs)
	if pos := parseArgs(fs, args[1:]); len(pos) > 0 {
		return fmt.Errorf("webhook status: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var list []webhook.Stats
	return c.call("GET", "/v1/webhooks", nil, &list, func() {
		if len(list) == 0 {
			fmt.Println("no webhook configured")
			return
		}
		w := table("NAME", "TENANT", "URL", "BACKLOG", "DELIVERED", "POSTS", "FAILURES", "LAST ERROR")
		for _, h := range list {
			last := "-"
			if h.LastError != "" {
				last = when(&h.LastErrAt) + ": " + h.LastError
			}
			row(w, h.Name, orDash(h.Tenant), h.URL, h.Backlog, h.Delivered, h.Posts, h.Failures, last)
		}
		w.Flush()
	})
}

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/smtptrace"
)

const traceUsage = `usage: wasmta trace smtp [--domain D] [--site S] [--source SRC] [--for DURATION] [--json]

Shows delivery sessions live, as they happen: each line the SMTP client sends
(">") and each reply it reads ("<"), after TLS, for the sessions to the site
mail for domain D goes to, to site S, and/or from egress source SRC (none: every
session); sessions that start once the watch is on (a connection already open
and reused is not shown). Runs until interrupted, or for DURATION. A watcher that reads too
slowly loses lines, never slows delivery: "(N lines lost)" says so.

Common flags: --admin URL, --config FILE, --token TOKEN (or $WASMTA_ADMIN_TOKEN).
`

// traceCommand runs `wasmta trace smtp`: GET /v1/smtp-trace, printed.
func traceCommand(args []string) error {
	if len(args) == 0 || args[0] != "smtp" {
		fmt.Fprint(os.Stderr, traceUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("trace smtp", flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), traceUsage+"\n"); fs.PrintDefaults() }
	cf := addClientFlags(fs)
	q := url.Values{}
	for _, k := range []string{"domain", "site", "source"} {
		fs.Func(k, "sessions of this "+k, func(v string) error { q.Set(k, v); return nil })
	}
	dur := fs.Duration("for", 0, "stop after this long (0: until interrupted)")
	if pos := parseArgs(fs, args[1:]); len(pos) > 0 {
		return fmt.Errorf("trace smtp: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if *dur > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *dur)
		defer cancel()
	}
	return c.stream(ctx, "/v1/smtp-trace?"+q.Encode(), func(ev *smtptrace.Event, raw []byte) {
		if c.json {
			os.Stdout.Write(append(raw, '\n'))
			return
		}
		printTraceEvent(ev)
	})
}

// stream reads a server-sent event stream until ctx ends or the server
// closes it, calling each with every event.
func (c *client) stream(ctx context.Context, path string, each func(*smtptrace.Event, []byte)) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.api.Base+path, nil)
	if err != nil {
		return err
	}
	if c.api.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.api.Token)
	}
	req.Header.Set("User-Agent", c.api.UserAgent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("admin API: %d %s: %s", resp.StatusCode, http.StatusText(resp.StatusCode), e.Error)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if w, ok := strings.CutPrefix(sc.Text(), ": watching"); ok {
			fmt.Fprintln(os.Stderr, "watching"+w+" (sessions that start from now on)")
		}
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var ev smtptrace.Event
		if json.Unmarshal([]byte(data), &ev) == nil {
			each(&ev, []byte(data))
		}
	}
	if ctx.Err() != nil {
		return nil // interrupted or --for elapsed: the normal end
	}
	return sc.Err()
}

func printTraceEvent(ev *smtptrace.Event) {
	dir := "<"
	if ev.Sent {
		dir = ">"
	}
	if ev.Dropped > 0 {
		fmt.Printf("(%d lines lost)\n", ev.Dropped)
	}
	head := fmt.Sprintf("%s #%d %s→%s", ev.Time.Local().Format(time.TimeOnly+".000"), ev.Session, orDash(ev.Source), ev.Host)
	for l := range strings.SplitSeq(ev.Text, "\n") {
		fmt.Printf("%s %s %s\n", head, dir, strings.TrimRight(l, "\r"))
	}
}

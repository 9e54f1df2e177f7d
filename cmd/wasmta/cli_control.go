package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/mx"
	"github.com/wasmta/wasmta/mta/shaping"
)

// The traffic-control commands — wasmta suspend, resume, shape set and
// actions list/cancel — are clients of the admin API's /v1/actions
// (mta/admin/control.go), with the shared flags of cli_client.go.

// actionFlags are what every command that starts an action takes.
type actionFlags struct {
	sel      shaping.Selector
	duration time.Duration
	reason   string
}

func selectorFlags(fs *flag.FlagSet, sel *shaping.Selector) {
	for _, k := range []string{"tenant", "campaign", "domain", "provider", "site", "source"} {
		fs.Func(k, "cover this "+k, func(v string) error { return sel.Set(k, v) })
	}
}

func addActionFlags(fs *flag.FlagSet) *actionFlags {
	a := &actionFlags{}
	selectorFlags(fs, &a.sel)
	fs.DurationVar(&a.duration, "for", 0, "how long the action lasts (required: 30m, 2h, ...)")
	fs.StringVar(&a.reason, "reason", "", "why (required; written in the records)")
	return a
}

func (a *actionFlags) check(cmd string) error {
	switch {
	case a.sel.IsZero():
		return fmt.Errorf("%s: name what it covers: --tenant, --campaign, --domain, --provider, --site and/or --source", cmd)
	case a.duration < 0:
		return fmt.Errorf("%s: --for %v is negative: give how long the action lasts, e.g. --for 1h", cmd, a.duration)
	case a.duration == 0:
		return fmt.Errorf("%s: --for is required (how long, e.g. --for 1h)", cmd)
	case a.reason == "":
		return fmt.Errorf("%s: --reason is required (it goes into the records)", cmd)
	}
	return nil
}

var controlHelp = "\nSelectors: every flag given must match: --source ip1 --site S is one egress path; --site S every\n" +
	"source to S; --provider google every site Google hosts (providers: " + strings.Join(mx.ProviderNames(), ", ") + "); --tenant T --site S one tenant's mail to S.\n\n"

// suspendCommand runs `wasmta suspend`.
func suspendCommand(args []string) error {
	fs := flag.NewFlagSet("suspend", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta suspend SELECTOR --for DURATION --reason TEXT [--json]\n\n"+
			"Holds the selected mail in its queues (never bounced) until the suspension ends or is resumed.\n"+controlHelp)
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	af := addActionFlags(fs)
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("suspend: unexpected %q", pos[0])
	}
	if err := af.check("suspend"); err != nil {
		return err
	}
	return startAction(cf, admin.ActionRequest{Kind: shaping.Suspend, Select: af.sel,
		For: shaping.Duration(af.duration), Reason: af.reason})
}

func startAction(cf *clientFlags, req admin.ActionRequest) error {
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res admin.AddResult
	return c.call("POST", "/v1/actions", req, &res, func() {
		a := res.Action
		state := "started"
		if !res.Added {
			state = "was already active"
		}
		fmt.Printf("%s %s %s %s: %s, ends %s (in %v)\n", a.ID, a.Kind, a.Target(), shapeText(a), state,
			a.Expires.Local().Format(time.DateTime), time.Until(a.Expires).Round(time.Second))
	})
}

// resumeCommand runs `wasmta resume ID...` or `wasmta resume SELECTOR`.
func resumeCommand(args []string) error {
	fs := flag.NewFlagSet("resume", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta resume ID... | wasmta resume SELECTOR [--reason TEXT] [--json]\n\n"+
			"Ends suspensions now: those named by id, or every suspension within the selector (resuming a\n"+
			"site also ends the suspensions of its paths). Held mail is due at once.\n"+controlHelp)
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	var sel shaping.Selector
	selectorFlags(fs, &sel)
	reason := fs.String("reason", "", "written in the records")
	ids := parseArgs(fs, args)
	if len(ids) > 0 {
		if !sel.IsZero() {
			return errors.New("resume: give action ids or a selector, not both")
		}
		return cancelActions(cf, ids, *reason)
	}
	if sel.IsZero() {
		fs.Usage()
		return errUsage
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res struct{ Cancelled []shaping.Action }
	return c.call("POST", "/v1/resume", admin.ResumeRequest{Select: sel, Kind: shaping.Suspend, Reason: *reason}, &res, func() {
		for _, a := range res.Cancelled {
			fmt.Printf("%s %s %s ended\n", a.ID, a.Kind, a.Target())
		}
		if len(res.Cancelled) == 0 {
			fmt.Println("no active suspension within", sel.String())
		}
	})
}

func cancelActions(cf *clientFlags, ids []string, reason string) error {
	c, err := cf.client()
	if err != nil {
		return err
	}
	for _, id := range ids {
		path := admin.ActionPath(id, reason)
		var a shaping.Action
		if err := c.call("DELETE", path, nil, &a, func() { fmt.Printf("%s %s %s ended\n", a.ID, a.Kind, a.Target()) }); err != nil {
			return err
		}
	}
	return nil
}

// shapeCommand runs `wasmta shape set`.
func shapeCommand(args []string) error {
	fs := flag.NewFlagSet("shape set", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta shape set SELECTOR [--rate 10/s] [--rate 1000/h] [--max-conns N] ... --for DURATION --reason TEXT\n\n"+
			"Overrides the limits of the selected paths (or, for a tenant, campaign or domain, paces its\n"+
			"messages) until it ends or is cancelled with `wasmta actions cancel ID`.\n"+controlHelp)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "set" {
		fs.Usage()
		return errUsage
	}
	cf := addClientFlags(fs)
	af := addActionFlags(fs)
	o := overrideFlags(fs)
	if pos := parseArgs(fs, args[1:]); len(pos) > 0 {
		return fmt.Errorf("shape set: unexpected %q", pos[0])
	}
	if err := af.check("shape set"); err != nil {
		return err
	}
	if o.IsZero() {
		return errors.New("shape set: set at least one limit (--rate, --max-conns, --conn-rate, --msgs-per-conn, --rate-factor, --burst, --idle, --tls, --tls-policy)")
	}
	return startAction(cf, admin.ActionRequest{Kind: shaping.Shape, Select: af.sel, Shape: o,
		For: shaping.Duration(af.duration), Reason: af.reason})
}

func overrideFlags(fs *flag.FlagSet) *shaping.Override {
	o := &shaping.Override{}
	fs.Func("rate", "messages N/s, N/min or N/h (repeat for several buckets)", func(v string) error {
		r, err := shaping.ParseRate(v)
		if err == nil {
			o.SetMessages(r)
		}
		return err
	})
	fs.Func("conn-rate", "new connections N/s or N/min", func(v string) error {
		r, err := shaping.ParseRate(v)
		o.ConnectionsPerSecond = r.PerSecond()
		return err
	})
	fs.IntVar(&o.MaxConnections, "max-conns", 0, "concurrent connections per path")
	fs.IntVar(&o.MessagesPerConnection, "msgs-per-conn", 0, "messages per connection")
	fs.IntVar(&o.MessageBurst, "burst", 0, "depth of the per-second token bucket")
	fs.Float64Var(&o.RateFactor, "rate-factor", 0, "multiply the path's message rates (0.5 halves them)")
	fs.Func("idle", "idle timeout of a connection (30s, ...)", func(v string) error { return o.IdleTimeout.UnmarshalText([]byte(v)) })
	fs.StringVar(&o.TLS, "tls", "", "opportunistic, required, required_verify or disabled")
	fs.StringVar(&o.TLSPolicy, "tls-policy", "", "the domains' MTA-STS/DANE policies: default, enforce or report_only")
	fs.BoolVar(&o.Lower, "lower", false, "the values are caps: never raise a path's own limit")
	return o
}

// actionsCommand runs `wasmta actions list` and `wasmta actions cancel`.
func actionsCommand(args []string) error {
	fs := flag.NewFlagSet("actions", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta actions list [--json] | wasmta actions cancel ID... [--reason TEXT]\n\n"+
			"Lists the live suspensions and shaping overrides, policy-made and admin-made, or ends some now.\n\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	reason := fs.String("reason", "", "cancel: written in the records")
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	pos := parseArgs(fs, args[1:])
	switch {
	case args[0] == "cancel" && len(pos) > 0:
		return cancelActions(cf, pos, *reason)
	case args[0] != "list" || len(pos) > 0:
		fs.Usage()
		return errUsage
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res struct{ Actions []shaping.Action }
	return c.call("GET", "/v1/actions", nil, &res, func() { printActions(res.Actions) })
}

func printActions(l []shaping.Action) {
	if len(l) == 0 {
		fmt.Println("no active action")
		return
	}
	w := table("ID", "KIND", "TARGET", "SHAPE", "ORIGIN", "ENDS", "REASON")
	for _, a := range l {
		row(w, a.ID, a.Kind, a.Target(), shapeText(a), a.Origin, when(&a.Expires), a.Reason)
	}
	w.Flush()
}

func shapeText(a shaping.Action) string {
	if a.Shape == nil {
		return "-"
	}
	return a.Shape.String()
}

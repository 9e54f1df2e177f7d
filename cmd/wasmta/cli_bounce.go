package main

import (
	"flag"
	"fmt"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/message"
)

// filterFlags are the selection flags of bounce and rebind.
func filterFlags(fs *flag.FlagSet) *message.Selector {
	f := &message.Selector{}
	fs.StringVar(&f.Tenant, "tenant", "", "select this tenant's queued mail")
	fs.StringVar(&f.Campaign, "campaign", "", "select this campaign's queued mail")
	fs.StringVar(&f.Domain, "domain", "", "select queued mail to this recipient domain")
	return f
}

func bounceCommand(args []string) error {
	fs := flag.NewFlagSet("bounce", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta bounce --tenant T | --campaign C | --domain D [--reason TEXT] [--json]\n\n"+
			"Ends every queued recipient that the filters select (all of them must match) with an AdminBounce record.\n\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	f := filterFlags(fs)
	reason := fs.String("reason", "", "recorded with each AdminBounce")
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("bounce: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res admin.Affected
	return c.call("POST", "/v1/bounce", admin.BounceRequest{Selector: *f, Reason: *reason}, &res, func() {
		fmt.Printf("bounced %d recipients of %d messages\n", res.Recipients, res.Messages)
	})
}

func rebindCommand(args []string) error {
	fs := flag.NewFlagSet("rebind", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta rebind --to-pool P --tenant T | --campaign C | --domain D [--json]\n\n"+
			"Sends the selected queued mail through pool P from its next attempt on.\n\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	f := filterFlags(fs)
	pool := fs.String("to-pool", "", "the pool to send through")
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("rebind: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res admin.Affected
	return c.call("POST", "/v1/rebind", admin.RebindRequest{Selector: *f, Pool: *pool}, &res, func() {
		fmt.Printf("rebound %d recipients of %d messages to pool %s\n", res.Recipients, res.Messages, *pool)
	})
}

package main

import (
	"flag"
	"fmt"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/engine"
)

const xferUsage = "usage: wasmta xfer --to NODE [--tenant T] [--campaign C] [--domain D] [--json]\n\n" +
	"Moves this node's queued mail (all of it, or what the filters select) to another node of the fleet\n" +
	"over SMTP, keeping each message's id, tenant, campaign and metadata, for maintenance.\n"

// xferCommand runs `wasmta xfer` (POST /v1/xfer).
func xferCommand(args []string) error {
	fs := flag.NewFlagSet("xfer", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), xferUsage+"\n")
		fs.PrintDefaults()
	}
	cf := addClientFlags(fs)
	f := filterFlags(fs)
	to := fs.String("to", "", "the node to move the mail to (as wasmta fleet status names it), or its SMTP host:port")
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("xfer: unexpected %q", pos[0])
	}
	if *to == "" {
		return fmt.Errorf("xfer: --to is required")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res engine.XferResult
	return c.call("POST", "/v1/xfer", admin.XferRequest{To: *to, Selector: *f}, &res, func() {
		fmt.Printf("moved %d recipients of %d messages to %s", res.Rcpts, res.Messages, res.To)
		if res.Failed > 0 {
			fmt.Printf("; %d messages stay here (the other node did not take them: see the log)", res.Failed)
		}
		fmt.Println()
	})
}

package main

import (
	"fmt"
	"os"
)

// isHelp reports whether a is a request for help.
func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "-help" || a == "help" }

// groupUsage is the usage of the commands that take a subcommand, or none,
// for `wasmta CMD -h`; a subcommand's own flags answer `wasmta CMD SUB -h`.
var groupUsage = map[string]string{
	"queue":      queueUsage,
	"policy":     policyUsage,
	"table":      tableUsage,
	"suppress":   suppressUsage,
	"webhook":    webhookUsage,
	"provider":   providerUsage,
	"config":     configUsage,
	"completion": completionUsage,
	"man":        manUsage,
	"trace":      traceUsage,
	"message":    messageUsage,
	"shape": "usage: wasmta shape set SELECTOR [--rate 10/s] [--max-conns N] ... --for DURATION --reason TEXT [--json]\n\n" +
		"Overrides the limits of the selected paths live; run \"wasmta shape set -h\" for every flag.\n",
	"actions": "usage:\n  wasmta actions list [--json]             the live suspensions and shaping overrides\n" +
		"  wasmta actions cancel ID... [--reason TEXT]  end some now\n",
	"feedback": "usage: wasmta feedback parse FILE...\n\nParses bounces, complaint reports and auto-replies offline (JSON lines).\n",
	"spool": "usage:\n  wasmta spool check [--config FILE | --spool-dir DIR] [--json]       check a stopped spool\n" +
		"  wasmta spool salvage --out DIR [--config FILE | --spool-dir DIR] [--json]  export what it holds\n",
	"fleet":   "usage: wasmta fleet status [--json]\n\nLists the nodes of this node's fleet ([cluster]): heartbeat, queues, health.\n",
	"xfer":    xferUsage,
	"version": "usage: wasmta version [--json]\n\nPrints the version the binary was built as (git describe), its Go version and platform.\n",
}

// groupHelp prints cmd's usage to standard output when args ask for help
// and cmd takes a subcommand (or, like version, has no flag set of its own).
func groupHelp(cmd string, args []string) bool {
	u, ok := groupUsage[cmd]
	if !ok || len(args) == 0 || !isHelp(args[0]) {
		return false
	}
	fmt.Fprint(os.Stdout, u)
	return true
}

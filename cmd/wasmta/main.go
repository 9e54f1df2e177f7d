// Command wasmta is the wasmta mail transfer agent: `wasmta serve` runs the
// daemon; the other subcommands administer a running one or help write
// configuration and policies.
package main

import (
	"errors"
	"fmt"
	"os"
)

const usage = `usage: wasmta COMMAND [flags]

commands:
  serve            run the MTA (flags: --config FILE)
  queue            queue summary, message ids (queue list) and inspection (queue inspect ID)
  message trace    the whole history of a message, or of a recipient's latest messages (--rcpt)
  bounce           bounce queued mail by tenant, campaign or domain
  rebind           send queued mail through another pool
  policy           push, list, roll back and test policy modules
  table            push, list, get, roll back and delete the data tables policies look up
  hash-password    print the bcrypt hash of a password read from stdin, for tenant.smtp_users
  suspend          suspend delivery by tenant, campaign, domain, provider, site or source (--for, --reason)
  resume           end suspensions: by action id, or by what they cover
  shape set        override a path's limits live (--rate 10/s, --max-conns 2, ... --for, --reason)
  actions          list the live actions (actions list) or cancel one (actions cancel ID)
  suppress         tenants' suppression lists: list, add, remove, import, export (CSV)
  feedback parse   parse bounces, complaint reports and auto-replies offline (JSON lines)
  classify         classify SMTP replies read on stdin offline: category, action, deciding rule (JSON lines)
  spool            check a stopped spool for loss and damage (spool check), or export what it holds (spool salvage --out DIR)
  provider summary the queues by mailbox provider (= queue summary --by provider)
  flush            retry the selected queued mail now (--tenant, --campaign, --domain)
  delete           remove a queued message, or one recipient (--rcpt), with a record
  config check     validate a configuration file without starting (exit 1 naming each bad key)
  reload           make the running wasmta read its configuration again (as SIGHUP)
  trace smtp       live view of delivery sessions to a domain or from a source
  webhook status   each webhook's backlog, deliveries and last error
  fleet status     the nodes of this node's fleet ([cluster]): heartbeat, queues, health
  xfer             move this node's queued mail to another node of the fleet (--to NODE)
  completion bash  print a bash completion script
  man              print the wasmta(8) man page (roff), generated from these usages
  version          print the version (also --version)

Run "wasmta COMMAND -h" for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	if groupHelp(cmd, args) {
		return
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args)
	case "queue":
		err = queueCommand(args)
	case "message":
		err = messageCommand(args)
	case "bounce":
		err = bounceCommand(args)
	case "rebind":
		err = rebindCommand(args)
	case "policy":
		err = policyCommand(args)
	case "table":
		err = tableCommand(args)
	case "hash-password":
		err = hashPassword(args)
	case "suspend":
		err = suspendCommand(args)
	case "resume":
		err = resumeCommand(args)
	case "shape":
		err = shapeCommand(args)
	case "actions":
		err = actionsCommand(args)
	case "suppress":
		err = suppressCommand(args)
	case "feedback":
		err = feedbackCommand(args)
	case "classify":
		err = classifyCommand(args)
	case "spool":
		err = spoolCommand(args, os.Stdout)
	case "provider":
		err = providerCommand(args)
	case "flush":
		err = flushCommand(args)
	case "delete":
		err = deleteCommand(args)
	case "config":
		err = configCommand(args)
	case "reload":
		err = reloadCommand(args)
	case "trace":
		err = traceCommand(args)
	case "webhook":
		err = webhookCommand(args)
	case "fleet":
		err = fleetCommand(args)
	case "xfer":
		err = xferCommand(args)
	case "completion":
		err = completionCommand(args)
	case "man":
		err = manCommand(args)
	case "version", "--version":
		err = versionCommand(args)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "wasmta: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if errors.Is(err, errUsage) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmta:", err)
		os.Exit(1)
	}
}

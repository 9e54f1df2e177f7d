package report

// howItRuns explains the suite before the figures.
const howItRuns = `## How the suite runs

` + "`make bench`" + ` (or ` + "`scripts/bench-e2e.sh`" + `) installs the Debian postfix package if
smtp-source is missing, builds ` + "`bin/wasmta`" + `, the harness ` + "`bin/wasmta-bench`" + ` and the reference
policies (` + "`GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared`" + `), then runs every scenario
below and writes this page, the charts and the raw JSON. ` + "`make bench-quick`" + ` runs a reduced
form (one run per figure, smaller loads) into bin/bench-quick/. Everything listens on 127.0.0.1
(the simulated providers on 127.0.10.1–4, the blind mix's on 127.0.12.1–5); every MTA gets a fresh
temporary directory, and every process started is stopped at the end, also on Ctrl-C. The blind
provider mix draws its providers' limits at random: its seed is printed, and ` + "`SEED=N make bench`" + `
replays a draw.

The load generator is Postfix's smtp-source: ` + "`-s 20`" + ` parallel sessions, ` + "`-l SIZE`" + ` bytes of body
(headers not included), ` + "`-m COUNT`" + ` messages, ` + "`-f`" + `/` + "`-t`" + ` envelope sender and recipient,
` + "`-r N`" + ` recipients per message (numbered copies of ` + "`-t`" + `), ` + "`-M`" + ` the name it greets with, and
` + "`-d`" + ` to keep each session open for many messages (used only where noted). The MTAs deliver to
the harness's own Go SMTP sink (it counts messages and timestamps each one); the limit rows send
straight into Postfix's smtp-sink (` + "`smtp-sink -u nobody 127.0.0.1:PORT 1024`" + `). The blind provider
mix submits with the harness's own Go client instead, so that it can log in as wasmta's tenant.

`

// postfixSettings explains how Postfix was configured.
const postfixSettings = `## How Postfix was configured

Each Postfix run is a private instance in a temporary directory
(` + "`postfix -c DIR start`" + `, its own queue_directory and data_directory,
smtpd on a free 127.0.0.1 port, no chroot), rendered from
[` + "`bench/internal/postfix/templates/`" + `](../bench/internal/postfix/templates/).
The settings that matter for throughput, and why:

| setting | value | why |
|---|---|---|
| relayhost | ` + "`[127.0.0.1]:SINK`" + ` | every message to the sink; brackets: no MX lookup, no DNS at all |
| default_destination_concurrency_limit | 20 | as many parallel deliveries as wasmta's max_connections_per_path (20 here) |
| smtp_connection_cache_on_demand, smtp_connection_cache_destinations | yes, the relayhost | reuse delivery connections to the sink, as wasmta does |
| in_flow_delay | 0s | no input throttling when the queue manager falls behind: the fastest acceptance |
| max_use | 10000 | smtp-source opens a connection per message; the default (100) respawns smtpd every 100 sessions |
| default_process_limit | 200 | room for 20 smtpd + 20 smtp processes and the rest |
| smtpd_peername_lookup | no | no reverse DNS of 127.0.0.1 per connection |
| smtpd_client_connection_count_limit | 0 | anvil would otherwise cap one client (the load generator) at 50 connections |
| smtpd_tls_security_level, smtp_tls_security_level | none | the sink offers no TLS; wasmta's delivery.tls is "disabled" too |

Postfix syncs its queue file before answering 250, as wasmta syncs its spool.
It delivers one transaction per message with all its recipients
(smtp_destination_recipient_limit 50), as wasmta does for recipients of one site.

`

// comparing explains how to compare two runs.
const comparing = `## Comparing runs

` + "```sh" + `
make bench                                    # writes docs/benchmarks.md, docs/bench/*.png and docs/bench/results-*.json
bin/wasmta-bench compare --threshold 10 docs/bench/OLD.json docs/bench/%s
` + "```" + `

compare matches figures by scenario, system, case and metric and flags
every one that moved the wrong way by more than the threshold (throughput
down, CPU, memory or latency up); it marks a flagged change whose range
overlaps the old range as possibly noise, and exits 1 when anything
regressed. ` + "`make bench-quick`" + ` writes to bin/bench-quick/ instead of docs/.
`

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// writeMan writes the wasmta(8) man page in roff: the top-level usage,
// then every command's own help as the binary prints it.
func writeMan(w io.Writer, date time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH WASMTA 8 %q %q \"System Administration\"\n", date.Format("2006-01-02"), "wasmta "+buildVersion())
	b.WriteString(".SH NAME\nwasmta \\- a programmable mail transfer agent with WebAssembly policies\n")
	b.WriteString(".SH SYNOPSIS\n.B wasmta\n.I COMMAND\n[\\fIflags\\fR]\n")
	b.WriteString(".SH DESCRIPTION\n" + roffText(manDescription))
	b.WriteString(".SH COMMANDS\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", roffEscape(c.name), roffEscape(c.summary))
	}
	for _, c := range commands() {
		for _, l := range leaves(c) {
			h, err := helpOf(l...)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, ".SS wasmta %s\n.nf\n%s.fi\n", roffEscape(strings.Join(l, " ")), roffLiteral(h))
		}
	}
	b.WriteString(".SH SIGNALS\n.TP\n.B SIGHUP\nread the configuration file again and put it in force (as \\fBwasmta reload\\fR); a bad file changes nothing\n" +
		".TP\n.B SIGTERM, SIGINT\nstop taking mail, finish what is in flight, close the spool\n")
	b.WriteString(".SH FILES\n.TP\n.I /etc/wasmta/wasmta.toml\nthe configuration of the packaged service\n" +
		".TP\n.I /var/lib/wasmta\nthe spool (queued mail, records, policy modules) of the packaged service\n")
	b.WriteString(".SH SEE ALSO\n.BR systemctl (1),\n.BR swaks (1)\n")
	_, err := io.WriteString(w, b.String())
	return err
}

const manDescription = `wasmta accepts mail over SMTP submission and an HTTP injection API, keeps it in a durable spool ("250 OK" means synced to disk), and delivers it over SMTP with traffic shaped per mailbox provider and per sending IP. Routing, egress pool selection, shaping, bounce classification and reception policy are decided by sandboxed WebAssembly policy modules, loaded per tenant at run time and swapped without a restart.

"wasmta serve" runs the daemon; the other commands are clients of its admin API (found from --admin, else admin.listen of --config, else http://127.0.0.1:8025; the token from --token, $WASMTA_ADMIN_TOKEN or admin.token of --config) or work offline.`

// roffEscape makes text safe on a roff line.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// roffText is paragraphs of running text.
func roffText(s string) string {
	var b strings.Builder
	for i, p := range strings.Split(s, "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		b.WriteString(roffEscape(strings.ReplaceAll(p, "\n", " ")) + "\n")
	}
	return b.String()
}

// roffLiteral is preformatted text (inside .nf/.fi), line by line.
func roffLiteral(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString(roffEscape(l) + "\n")
	}
	return b.String()
}

// manCommand runs `wasmta man`.
func manCommand(args []string) error {
	if len(args) == 1 && isHelp(args[0]) {
		fmt.Print(manUsage)
		return nil
	}
	if len(args) > 0 {
		fmt.Fprint(os.Stderr, manUsage)
		return errUsage
	}
	// SOURCE_DATE_EPOCH makes a packaged page reproducible.
	date := time.Now().UTC()
	if e := os.Getenv("SOURCE_DATE_EPOCH"); e != "" {
		var sec int64
		if _, err := fmt.Sscan(e, &sec); err == nil {
			date = time.Unix(sec, 0).UTC()
		}
	}
	return writeMan(os.Stdout, date)
}

const manUsage = `usage: wasmta man

Prints the wasmta(8) man page (roff), generated from the usage of every
command: man -l <(wasmta man). make install puts it in share/man/man8.
`

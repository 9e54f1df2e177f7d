// Package postfix runs a private Postfix instance for the benchmark: its
// own configuration directory (main.cf and master.cf rendered from the
// templates in templates/), queue and data directories under a temporary
// directory, smtpd on a free loopback port, and everything relayed to the
// benchmark's sink (a relayhost, or per-domain transports for the
// provider mix). It starts it with `postfix -c DIR start`, finds its
// master process, and stops it with `postfix -c DIR stop` (then kills
// what is left of the master's process tree).
//
// It owns that instance only: it never reads or changes /etc/postfix's
// main.cf, never touches the system's Postfix, and listens on loopback
// only. Needs root (Postfix's master runs as root and drops to the
// postfix user) and the Debian postfix package.
package postfix

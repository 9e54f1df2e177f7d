// Package dnsstub is a tiny authoritative DNS server on loopback for the
// benchmark: it answers MX and A queries from tables the harness fills
// (the benchmark domains and the simulated providers' MX hosts), so that
// wasmta's MX delivery path runs without the Internet.
//
// It owns those tables and the UDP and TCP listeners on one port; it never
// recurses or forwards a query, and answers NXDOMAIN for anything else.
package dnsstub

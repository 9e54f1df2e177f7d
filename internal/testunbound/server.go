package testunbound

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Resolver is a validating unbound on loopback, resolving the zones of an
// authoritative unbound.
type Resolver struct {
	Addr     string // the validating resolver, 127.0.0.1:port
	AuthAddr string // the authoritative server, 127.0.0.1:port
}

// Tools are the programs Start runs, with the Debian packages that hold
// them.
var Tools = map[string]string{"unbound": "unbound", "ldns-keygen": "ldnsutils", "ldns-signzone": "ldnsutils"}

// Start signs and serves zones and starts the validating resolver; both
// stop when the test ends. It fails the test when a tool is missing.
func Start(t testing.TB, zones ...Zone) *Resolver {
	t.Helper()
	for tool, pkg := range Tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("testunbound: %s not found: run scripts/install-deps.sh (Debian package %s)", tool, pkg)
		}
	}
	dir := t.TempDir()
	var files, anchors []string
	for _, z := range zones {
		f, a, err := z.write(dir)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		if a != "" {
			anchors = append(anchors, a)
		}
	}
	r := &Resolver{}
	r.AuthAddr = serve(t, dir, "auth", func(port int) string { return authConfig(dir, port, zones, files) }, zones[0].apex(), false)
	_, authPort, _ := net.SplitHostPort(r.AuthAddr)
	r.Addr = serve(t, dir, "resolver", func(port int) string {
		return resolverConfig(dir, port, authPort, zones, anchors)
	}, zones[0].apex(), zones[0].Signed)
	return r
}

// common is the server clause both processes share: loopback only, in
// the foreground, no privileges to drop, logs in dir.
func common(dir, name string, port int, zones []Zone) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server:\n  interface: 127.0.0.1@%d\n  do-ip6: no\n  do-daemonize: no\n  username: \"\"\n  chroot: \"\"\n", port)
	fmt.Fprintf(&b, "  directory: %q\n  pidfile: \"\"\n  use-syslog: no\n  logfile: %q\n", dir, filepath.Join(dir, name+".log"))
	b.WriteString("  verbosity: 1\n  num-threads: 1\n  so-reuseport: no\n  log-servfail: yes\n")
	tlds := map[string]bool{}
	for _, z := range zones {
		labels := dns.SplitDomainName(z.apex())
		tlds[labels[len(labels)-1]] = true
	}
	for tld := range tlds {
		// unbound answers RFC 6761 names (test., invalid., ...) itself.
		fmt.Fprintf(&b, "  local-zone: \"%s.\" nodefault\n", tld)
	}
	return b.String()
}

func authConfig(dir string, port int, zones []Zone, files []string) string {
	var b strings.Builder
	b.WriteString(common(dir, "auth", port, zones))
	b.WriteString("  module-config: \"iterator\"\nremote-control:\n  control-enable: no\n")
	for i, z := range zones {
		fmt.Fprintf(&b, "auth-zone:\n  name: %q\n  zonefile: %q\n  for-downstream: yes\n  for-upstream: no\n", z.apex(), files[i])
	}
	return b.String()
}

// resolverConfig: keep probing the authoritative server after a lost
// packet (a loaded test machine) rather than marking it down, and ask it
// nothing the test did not.
func resolverConfig(dir string, port int, authPort string, zones []Zone, anchors []string) string {
	var b strings.Builder
	b.WriteString(common(dir, "resolver", port, zones))
	b.WriteString("  module-config: \"validator iterator\"\n  do-not-query-localhost: no\n  val-log-level: 2\n")
	b.WriteString("  qname-minimisation: no\n  harden-referral-path: no\n  prefetch: no\n  infra-keep-probing: yes\n")
	b.WriteString("  target-fetch-policy: \"0 0 0 0 0\"\n")
	for _, a := range anchors {
		fmt.Fprintf(&b, "  trust-anchor-file: %q\n", a)
	}
	b.WriteString("remote-control:\n  control-enable: no\n")
	for _, z := range zones {
		fmt.Fprintf(&b, "stub-zone:\n  name: %q\n  stub-addr: 127.0.0.1@%s\n", z.apex(), authPort)
	}
	return b.String()
}

// serve starts one unbound with the configuration conf makes for a port,
// on a free port (tried again on another when the port was taken in
// between), and waits until it answers the SOA of apex (validated when
// secure). It returns the server's address.
func serve(t testing.TB, dir, name string, conf func(port int) string, apex string, secure bool) string {
	t.Helper()
	var last error
	for range 5 {
		port := freePort(t)
		path := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(path, []byte(conf(port)), 0o644); err != nil {
			t.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		p, err := startProcess(t, path)
		if err != nil {
			t.Fatal(err)
		}
		if last = p.ready(addr, apex, secure); last == nil {
			return addr
		}
		p.stop()
	}
	logs, _ := os.ReadFile(filepath.Join(dir, name+".log"))
	t.Fatalf("testunbound: %s did not answer: %v\n%s", name, last, logs)
	return ""
}

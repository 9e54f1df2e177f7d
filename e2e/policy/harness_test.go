package policy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/internal/testrec"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/engine"
)

// world is a running engine with a wasm policy registry and sinks.
type world struct {
	eng  *engine.Engine
	reg  *hostabi.Registry
	rec  *testrec.Recorder
	addr string
}

// tenantsTOML declares tenants a and b with SMTP logins "a"/"b", password "pw".
func tenantsTOML(t *testing.T) string {
	h, err := config.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range []string{"a", "b"} {
		fmt.Fprintf(&b, "[[tenant]]\nname = %q\nsmtp_users = [{ username = %q, password_hash = %q }]\n", n, n, h)
	}
	return b.String()
}

func startWorld(t *testing.T, extra string) *world {
	t.Helper()
	ctx := context.Background()
	// A generous deadline: the tests run beside others on 2 cores, and the
	// deadline itself is tested in hostabi. A fault here would be a fallback
	// decision that the tests would read as a wrong one.
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Close(ctx) })
	reg := hostabi.NewRegistry(host, nil)
	t.Cleanup(reg.Close)
	toml := fmt.Sprintf("spool_dir = %q\nhostname = \"mta.test\"\n[smtp]\nlisten = [\"127.0.0.1:0\"]\nmin_free_disk = 0\n%s%s",
		t.TempDir(), tenantsTOML(t), extra)
	cfg, err := config.Parse([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	rec := testrec.New()
	e, err := engine.New(cfg, engine.Options{Registry: reg, Records: rec})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		e.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &world{eng: e, reg: reg, rec: rec, addr: e.SMTPAddrs()[0].String()}
}

// sinkAt starts a sink on ip at the given port (0 = any).
func sinkAt(t *testing.T, ip string, port int, opts testsink.Options) *testsink.Sink {
	opts.Addr = netip.AddrPortFrom(netip.MustParseAddr(ip), uint16(port)).String()
	return testsink.Start(t, opts)
}

// sendAs submits one message authenticated as tenant (login = tenant name).
func sendAs(tenant, addr string, to []string, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Auth(sasl.NewPlainClient("", tenant, "pw")); err != nil {
		return err
	}
	if err := c.SendMail("s@"+tenant+".test", to, strings.NewReader(body)); err != nil {
		return err
	}
	return c.Quit()
}

func body(i int) string {
	return fmt.Sprintf("From: s@sender.test\r\nSubject: m%d\r\n\r\nbody %d\r\n", i, i)
}

// commonPort returns a port free on both 127.0.0.2 and 127.0.0.3.
func commonPort(t *testing.T) int {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.2:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.3:%d", port))
		l.Close()
		if err == nil {
			l2.Close()
			return port
		}
	}
	t.Fatal("no common free port")
	return 0
}

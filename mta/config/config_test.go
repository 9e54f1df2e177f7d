package config

import (
	"encoding/hex"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

func TestDefault(t *testing.T) {
	c := Default()
	host, _ := os.Hostname()
	tests := []struct {
		name      string
		got, want any
	}{
		{"hostname", c.Hostname, host},
		{"spool_dir", c.SpoolDir, "./data"},
		{"log_level", c.LogLevel, slog.LevelInfo},
		{"log_format", c.LogFormat, "text"},
		{"timer_slack", c.TimerSlack, time.Millisecond},
		{"smtp.listen", c.SMTP.Listen, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:2525")}},
		{"smtp.max_message_size", c.SMTP.MaxMessageSize, int64(50 << 20)},
		{"smtp.max_recipients", c.SMTP.MaxRecipients, 1000},
		{"smtp.max_connections", c.SMTP.MaxConnections, 1000},
		{"smtp.max_line_length", c.SMTP.MaxLineLength, 4096},
		{"smtp.command_timeout", c.SMTP.CommandTimeout, 5 * time.Minute},
		{"smtp.data_timeout", c.SMTP.DataTimeout, 10 * time.Minute},
		{"smtp.relay_networks", c.SMTP.RelayNetworks, []netip.Prefix{
			netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}},
		{"smtp.tls_cert", c.SMTP.TLSCert, ""},
		{"smtp.auth_require_tls", c.SMTP.AuthRequireTLS, true},
		{"smtp.show_version", c.SMTP.ShowVersion, true},
		{"smtp.min_free_disk", c.SMTP.MinFreeDisk, int64(256 << 20)},
		{"admin.listen", c.Admin.Listen, netip.MustParseAddrPort("127.0.0.1:8025")},
		{"admin.token", c.Admin.Token, ""},
		{"http.listen (off)", c.HTTP.Listen.IsValid(), false},
		{"delivery.port", c.Delivery.Port, uint16(25)},
		{"delivery.dns_server (system)", c.Delivery.DNSServer.IsValid(), false},
		{"delivery.dns_timeout", c.Delivery.DNSTimeout, 5 * time.Second},
		{"delivery.connect_timeout", c.Delivery.ConnectTimeout, 60 * time.Second},
		{"delivery.command_timeout", c.Delivery.CommandTimeout, 5 * time.Minute},
		{"delivery.data_timeout", c.Delivery.DataTimeout, 10 * time.Minute},
		{"delivery.max_connections_per_path", c.Delivery.MaxConnectionsPerPath, 32},
		{"delivery.tls", c.Delivery.TLS, policy.TLSOpportunistic},
		{"queue.retry_initial", c.Queue.RetryInitial, 20 * time.Minute},
		{"queue.retry_max", c.Queue.RetryMax, 4 * time.Hour},
		{"queue.max_age", c.Queue.MaxAge, 7 * 24 * time.Hour},
		{"queue.retry_jitter", c.Queue.RetryJitter, 0.2},
		{"queue.retry_throttled", c.Queue.RetryThrottled, 5 * time.Second},
		{"policy.global", c.Policy.Global, ""},
		{"policy.call_timeout", c.Policy.CallTimeout, 50 * time.Millisecond},
		{"policy.memory_limit", c.Policy.MemoryLimit, int64(64 << 20)},
		{"policy.instances", c.Policy.Instances, runtime.GOMAXPROCS(0) * 2},
		{"records.path", c.Records.Path, filepath.Join("data", "records.jsonl")},
		{"records.enabled", c.Records.Enabled, true},
		{"records.rotate_size", c.Records.RotateSize, int64(256 << 20)},
		{"records.rotate_interval", c.Records.RotateInterval, 24 * time.Hour},
		{"records.compress", c.Records.Compress, true},
		{"records.keep_files", c.Records.KeepFiles, 0},
		{"records.keep_for", c.Records.KeepFor, 30 * 24 * time.Hour},
		{"history.enabled", c.History.Enabled, true},
		{"history.retention", c.History.Retention, 7 * 24 * time.Hour},
		{"webhooks", len(c.Webhooks), 0},
		{"routes", len(c.Routes), 0},
		{"tenants", len(c.Tenants), 0},
		{"sources", c.Sources, []Source{{Name: "default", EHLO: host}}},
		{"pools", c.Pools, []Pool{{Name: "default", Sources: []PoolSource{{Name: "default", Weight: 1}}}}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestEmptyFileIsDefault: an empty file and a file of comments mean the
// embedded defaults.
func TestEmptyFileIsDefault(t *testing.T) {
	for _, doc := range []string{"", "# nothing\n\n"} {
		c, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("Parse(%q): %v", doc, err)
		}
		if !reflect.DeepEqual(c, Default()) {
			t.Errorf("Parse(%q) = %+v, want Default()", doc, c)
		}
	}
}

// TestDerivedDefaults: keys whose default depends on another key follow it.
func TestDerivedDefaults(t *testing.T) {
	c, err := Parse([]byte(`
hostname = "mx.example.org"
spool_dir = "/srv/spool"
[[source]]
name = "a"
[[source]]
name = "b"
ehlo = "b.example.org"
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Records.Path != "/srv/spool/records.jsonl" {
		t.Errorf("records.path = %q", c.Records.Path)
	}
	if c.Sources[0].EHLO != "mx.example.org" || c.Sources[1].EHLO != "b.example.org" {
		t.Errorf("ehlo = %q, %q", c.Sources[0].EHLO, c.Sources[1].EHLO)
	}
	want := []Pool{{Name: "default", Sources: []PoolSource{{"a", 1}, {"b", 1}}}}
	if !reflect.DeepEqual(c.Pools, want) {
		t.Errorf("pools = %+v, want %+v", c.Pools, want)
	}
}

func TestFullFile(t *testing.T) {
	data, err := os.ReadFile("testdata/full.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	want := fullConfig(t)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("full.toml:\n got %+v\nwant %+v", got, want)
	}
}

func fullConfig(t *testing.T) *Config {
	ap, pfx := netip.MustParseAddrPort, netip.MustParsePrefix
	return &Config{
		Hostname: "mta1.example.net", SpoolDir: "/var/spool/wasmta",
		LogLevel: slog.LevelDebug, LogFormat: "json", TimerSlack: 250 * time.Microsecond,
		SMTP: SMTP{
			Listen:         []netip.AddrPort{ap("0.0.0.0:25"), ap("[::]:587")},
			MaxMessageSize: 20 << 20, MaxRecipients: 500, MaxConnections: 2000, MaxLineLength: 1000,
			CommandTimeout: 2 * time.Minute, DataTimeout: 25 * time.Hour,
			RelayNetworks: []netip.Prefix{pfx("10.0.0.0/8"), pfx("2001:db8::/32"),
				pfx("192.0.2.7/32"), pfx("198.51.100.0/24")},
			TLSCert: "/etc/wasmta/cert.pem", TLSKey: "/etc/wasmta/key.pem",
			AuthRequireTLS: false, ShowVersion: true, MinFreeDisk: 1 << 30,
			MaxConnectionsPerIP: 20, ConnectionRatePerIP: 120, ReservedConnections: 50, MinDataRate: 1024,
			StressThreshold: 90, StressCommandTimeout: 5 * time.Second, StressDataTimeout: 20 * time.Second,
			SoftErrorLimit: 5, HardErrorLimit: 10, ErrorDelay: 500 * time.Millisecond,
			AuthFailureLimit: 3, AuthFailureWindow: time.Hour, RecordsPerSession: 20, RecordsPerSecond: 500,
			MaxHops: 30, MaxDataInFlight: 1 << 30, AddHeadersNetworks: []netip.Prefix{pfx("10.1.0.0/16")},
		},
		Admin: Admin{Listen: ap("0.0.0.0:8025"), Token: "0123456789abcdef0123"},
		HTTP: HTTP{Listen: ap("127.0.0.1:8080"), MaxRequestSize: 20 << 20, TLSCert: "/etc/wasmta/http-cert.pem",
			TLSKey: "/etc/wasmta/http-key.pem"},
		DKIM: DKIM{DefaultDomain: "esp.example", Headers: []string{"from", "subject", "date", "from"},
			Keys: []DKIMKey{
				{Domain: "esp.example", Selector: "rsa2025a", KeyFile: "/etc/wasmta/dkim/esp.rsa.pem", Algorithm: "rsa-sha256"},
				{Domain: "example.com", Selector: "ed.2025", KeyFile: "/etc/wasmta/dkim/example.ed.pem",
					Algorithm: "ed25519-sha256", Headers: []string{"from", "to", "subject", "from", "to"}},
			}},
		Delivery: Delivery{Port: 2526, DNSServer: ap("127.0.0.1:5353"),
			DNSTimeout: 2 * time.Second, ConnectTimeout: 30 * time.Second,
			CommandTimeout: time.Minute, DataTimeout: 3 * time.Minute,
			MaxConnectionsPerPath: 8, TLS: policy.TLSRequiredVerify,
			MTASTS: false, MTASTSPort: 8443, DANE: true, TLSRoots: "/etc/wasmta/roots.pem", TLSReports: false},
		Queue: Queue{RetryInitial: 5 * time.Minute, RetryMax: 2 * time.Hour, MaxAge: 72 * time.Hour, RetryJitter: 0.1, RetryThrottled: 2 * time.Second},
		Policy: Policy{Global: "/etc/wasmta/global.wasm", CallTimeout: 2 * time.Millisecond, MemoryLimit: 128 << 20, Instances: 16,
			MaxModuleSize: 8 << 20, CompileTimeout: 30 * time.Second, MaxFunctionBlocks: 5000},
		Records: Records{Path: "/var/log/wasmta/records.jsonl", Enabled: false, RotateSize: 1 << 30,
			RotateInterval: time.Hour, Compress: false, KeepFiles: 48, KeepFor: 7 * 24 * time.Hour},
		History: History{Enabled: true, Retention: 3 * Day},
		Inbound: Inbound{KeepRaw: 7 * Day, MaxMessageSize: 10 * MiB},
		Tables:  Tables{MaxBytes: GiB, CacheSize: 64 * MiB},
		Cluster: defaultCluster(),
		Webhooks: []Webhook{
			{Name: "acme", Tenant: "acme", URL: "https://hooks.acme.example/wasmta", Events: []string{"Delivery", "Bounce"},
				BatchSize: 500, BatchWait: 2 * time.Second, Secret: "acme-webhook-secret", Timeout: 5 * time.Second,
				RetryInitial: 2 * time.Second, RetryMax: time.Hour},
			{Name: "ops", URL: "http://127.0.0.1:9000/events", BatchSize: 100, BatchWait: 200 * time.Millisecond,
				Timeout: 10 * time.Second, RetryInitial: time.Second, RetryMax: 5 * time.Minute},
		},
		Routes: []Route{
			{Domain: "example.com", Hosts: []string{"127.0.0.1:2526", "[::1]:2527", "smarthost.example.net"}},
			{Domain: "*", Hosts: []string{"relay.example.net:587"}, AuthUser: "relay-user", AuthPassword: "relay-pass"},
		},
		Tenants: []Tenant{
			{Name: "acme", SMTPUsers: []SMTPUser{{"acme", testHash}},
				APITokensSHA256: [][32]byte{sum(t, "2e032a402ed5f8d5e361fb26c6dde881f66772bbd4ae216810ca28d5d6fd2c37")},
				Policy:          "/etc/wasmta/acme.wasm", DefaultPool: "warm",
				MaxMessageSize: 10_000_000, MaxRecipients: 50, MessagesPerMinute: 600, DSN: true},
			{Name: "beta", APITokensSHA256: [][32]byte{sum(t, "93ef582756b955585cc1a600ef7e9235cfbdc517d0e840acf3f2210a699743d4")}},
		},
		Sources: []Source{
			{Name: "ip1", Address: netip.MustParseAddr("192.0.2.10"), EHLO: "out1.example.net"},
			{Name: "ip2", Address: netip.MustParseAddr("2001:db8::10"), EHLO: "mta1.example.net"},
		},
		Pools: []Pool{
			{Name: "default", Sources: []PoolSource{{"ip1", 1}}},
			{Name: "warm", Sources: []PoolSource{{"ip1", 3}, {"ip2", 1}}},
		},
	}
}

// testHash is the bcrypt hash of "correct horse" in testdata/full.toml.
const testHash = "$2a$10$ghZllWWFu3xM171/per7guHi6OoIwkaVuaxHSUmgVmC5otOkNlvoS"

func sum(t *testing.T, h string) [32]byte {
	t.Helper()
	var s [32]byte
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad test hash %q", h)
	}
	copy(s[:], b)
	return s
}

// TestExampleFile: the documented example configuration parses, and the
// keys it presents as defaults are the defaults.
func TestExampleFile(t *testing.T) {
	c := mustParseFile(t, "../../docs/wasmta.example.toml")
	d := Default()
	same := []struct {
		name      string
		got, want any
	}{
		{"top level", []any{c.SpoolDir, c.LogLevel, c.LogFormat}, []any{d.SpoolDir, d.LogLevel, d.LogFormat}},
		{"[smtp]", c.SMTP, d.SMTP},
		{"[admin]", c.Admin, d.Admin},
		{"[http]", c.HTTP, d.HTTP},
		{"[delivery]", c.Delivery, d.Delivery},
		{"[queue]", c.Queue, d.Queue},
		{"[policy]", c.Policy, d.Policy}, // instances is commented out
		{"[records]", c.Records, d.Records},
		{"[dkim]", c.DKIM, d.DKIM},
		{"[[source]]", c.Sources[0].Address, d.Sources[0].Address},
		{"[[pool]]", c.Pools, d.Pools},
	}
	for _, tt := range same {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("example %s = %+v, want the defaults %+v", tt.name, tt.got, tt.want)
		}
	}
	if len(c.Routes) == 0 || c.Routes[0].Domain != "*" {
		t.Errorf("example routes = %+v, want a \"*\" route first (the README uses it)", c.Routes)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.toml", "[smtp]\ntls_cert = \""+cert+"\"\ntls_key = \""+cert+"\"\n")
	if c, err := Load(good); err != nil || c.SMTP.TLSCert != cert {
		t.Errorf("Load(good) = %+v, %v", c, err)
	}
	missing := filepath.Join(dir, "nope.wasm")
	tests := []struct{ name, path, want string }{
		{"no file", filepath.Join(dir, "absent.toml"), "config: open " + dir + "/absent.toml: no such file or directory"},
		{"bad value", write("bad.toml", "log_level = \"loud\"\n"),
			"config: " + dir + "/bad.toml is invalid:\nconfig: log_level: \"loud\" is not one of debug, info, warn, error"},
		{"missing policy file", write("pol.toml", "[policy]\nglobal = \""+missing+"\"\n"),
			"config: " + dir + "/pol.toml is invalid:\nconfig: policy.global: open " + missing + ": no such file or directory"},
	}
	for _, tt := range tests {
		_, err := Load(tt.path)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Load error =\n%v\nwant\n%s", tt.name, err, tt.want)
		}
	}
}

// TestRouteDomainLowercased: route domains are stored
// lowercased, since the default policy looks them up lowercased.
func TestRouteDomainLowercased(t *testing.T) {
	c, err := Parse([]byte("[[route]]\ndomain = \"MiXeD.Example\"\nhosts = [\"127.0.0.1:2526\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Routes[0].Domain != "mixed.example" {
		t.Errorf("domain = %q", c.Routes[0].Domain)
	}
}

package config

import (
	"cmp"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// Sizes in bytes.
const (
	KiB int64 = 1 << 10
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// Day is the unit behind the "d" suffix of durations.
const Day = 24 * time.Hour

// Default returns the embedded configuration: what `wasmta serve` runs with
// when it is given no file.
func Default() *Config {
	c := base()
	c.complete()
	return c
}

// base is the configuration before a file is applied: every scalar default,
// but no derived values (those depend on keys the file may set).
func base() *Config {
	return &Config{
		Hostname:   defaultHostname(),
		SpoolDir:   "./data",
		LogLevel:   slog.LevelInfo,
		LogFormat:  "text",
		TimerSlack: time.Millisecond,
		SMTP: SMTP{
			Listen:         []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:2525")},
			MaxMessageSize: 50 * MiB,
			MaxRecipients:  1000,
			MaxConnections: 1000,
			MaxLineLength:  4096,
			CommandTimeout: 5 * time.Minute,
			DataTimeout:    10 * time.Minute,
			RelayNetworks: []netip.Prefix{
				netip.MustParsePrefix("127.0.0.0/8"),
				netip.MustParsePrefix("::1/128"),
			},
			AuthRequireTLS: true,
			ShowVersion:    true,
			MinFreeDisk:    256 * MiB,

			MaxConnectionsPerIP:      50,
			MaxConnectionsPerNetwork: 100,
			MinDataRate:              500,
			StressThreshold:          80,
			StressCommandTimeout:     10 * time.Second,
			StressDataTimeout:        10 * time.Second,
			SoftErrorLimit:           10,
			HardErrorLimit:           20,
			ErrorDelay:               time.Second,
			AuthFailureLimit:         10,
			AuthFailureWindow:        10 * time.Minute,
			RecordsPerSession:        10,
			RecordsPerSecond:         100,
			MaxHops:                  50,
			MaxDataInFlight:          512 * MiB,
			AddHeadersNetworks: []netip.Prefix{
				netip.MustParsePrefix("127.0.0.0/8"),
				netip.MustParsePrefix("::1/128"),
			},
		},
		Admin: Admin{Listen: netip.MustParseAddrPort("127.0.0.1:8025")},
		HTTP:  HTTP{MaxRequestSize: 100 * MiB},
		Delivery: Delivery{
			Port:                  25,
			DNSTimeout:            5 * time.Second,
			ConnectTimeout:        60 * time.Second,
			CommandTimeout:        5 * time.Minute,
			DataTimeout:           10 * time.Minute,
			MaxConnectionsPerPath: 32,
			TLS:                   policy.TLSOpportunistic,
			MTASTS:                true,
			MTASTSPort:            443,
			TLSReports:            true,
		},
		Queue: Queue{
			RetryInitial: 20 * time.Minute,
			RetryMax:     4 * time.Hour,
			MaxAge:       7 * Day,
			RetryJitter:  0.2,
			// a throttle's refusal is about the pace: seconds, not the
			// schedule's minutes
			RetryThrottled: 5 * time.Second,
		},
		Policy: Policy{
			CallTimeout: 50 * time.Millisecond,
			MemoryLimit: 64 * MiB,
			Instances:   runtime.GOMAXPROCS(0) * 2,
			// A Go policy is 2 to 3 MB and its largest function has 994
			// control instructions; wazero compiles a function of 16,000
			// in seconds (hostabi/internal/guard/blocks.go).
			MaxModuleSize:     32 * MiB,
			CompileTimeout:    time.Minute,
			MaxFunctionBlocks: 16000,
		},
		Records: Records{
			Enabled:        true,
			RotateSize:     256 * MiB,
			RotateInterval: Day,
			Compress:       true,
			KeepFor:        30 * Day,
		},
		History: History{Enabled: true, Retention: 7 * Day},
		Inbound: Inbound{
			KeepRaw:        7 * Day,
			MaxMessageSize: 10 * MiB,
		},
		Tables:  Tables{MaxBytes: GiB, CacheSize: 64 * MiB},
		Cluster: defaultCluster(),
	}
}

// complete fills the values that derive from other keys.
func (c *Config) complete() {
	if c.Cluster.Enabled() && c.Cluster.Node == "" {
		c.Cluster.Node = c.Hostname
	}
	if c.Records.Path == "" {
		c.Records.Path = filepath.Join(c.SpoolDir, "records.jsonl")
	}
	for i := range c.Webhooks {
		if w := &c.Webhooks[i]; w.Name == "" {
			w.Name = cmp.Or(w.Tenant, "global")
		}
	}
	if len(c.Sources) == 0 {
		c.Sources = []Source{{Name: DefaultName}}
	}
	for i := range c.Sources {
		if c.Sources[i].EHLO == "" {
			c.Sources[i].EHLO = c.Hostname
		}
	}
	if len(c.Pools) == 0 {
		members := make([]PoolSource, len(c.Sources))
		for i, s := range c.Sources {
			members[i] = PoolSource{Name: s.Name, Weight: 1}
		}
		c.Pools = []Pool{{Name: DefaultName, Sources: members}}
	}
}

// defaultHostname is the machine's name, or "localhost" when it has none
// that could stand in an EHLO command.
func defaultHostname() string {
	h, err := os.Hostname()
	if err != nil || !validHostname(h) {
		return "localhost"
	}
	return h
}

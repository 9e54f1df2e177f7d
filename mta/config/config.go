package config

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/wasmta/wasmta/mta/policy"
)

// Config is a validated configuration. Its zero value is not useful: start
// from Default, Parse or Load.
type Config struct {
	Hostname  string     // hostname: EHLO/banner name and the default source EHLO
	SpoolDir  string     // spool_dir
	LogLevel  slog.Level // log_level
	LogFormat string     // log_format: "text" or "json"
	// TimerSlack is timer_slack: the timer slack serve gives its process
	// (Linux); 0 leaves the one it was started with.
	TimerSlack time.Duration

	SMTP     SMTP
	Admin    Admin
	HTTP     HTTP
	Delivery Delivery
	Queue    Queue
	Policy   Policy
	Records  Records
	History  History
	DKIM     DKIM
	Inbound  Inbound
	Tables   Tables
	Cluster  Cluster

	Routes   []Route   // [[route]], in file order
	Webhooks []Webhook // [[webhook]], in file order
	Tenants  []Tenant  // [[tenant]]
	Sources  []Source  // [[source]]; never empty after Parse
	Pools    []Pool    // [[pool]]; always holds a pool named "default" after Parse
}

// SMTP is the [smtp] section: the submission and relay listener.
type SMTP struct {
	Listen         []netip.AddrPort // listen; port 0 picks a free port
	MaxMessageSize int64            // max_message_size, bytes
	MaxRecipients  int              // max_recipients per message
	MaxConnections int              // max_connections, all clients together
	MaxLineLength  int              // max_line_length, bytes, CRLF included
	CommandTimeout time.Duration    // command_timeout
	DataTimeout    time.Duration    // data_timeout
	RelayNetworks  []netip.Prefix   // relay_networks: may relay without AUTH
	TLSCert        string           // tls_cert, PEM file; "" with TLSKey "" = self-signed
	TLSKey         string           // tls_key, PEM file
	AuthRequireTLS bool             // auth_require_tls; loopback clients are exempt
	ShowVersion    bool             // show_version: the greeting names wasmta and its version
	MinFreeDisk    int64            // min_free_disk, bytes: below it reception answers 452

	// Hostile clients. A zero limit is no limit.
	MaxConnectionsPerIP      int           // max_connections_per_ip (relay_networks exempt)
	MaxConnectionsPerNetwork int           // max_connections_per_network: per /24 or /64
	ConnectionRatePerIP      int           // connection_rate_per_ip: new connections per minute
	ReservedConnections      int           // reserved_connections: slots only relay_networks may take; 0 = a tenth
	MinDataRate              int64         // min_data_rate, bytes per second
	StressThreshold          int           // stress_threshold, percent of max_connections
	StressCommandTimeout     time.Duration // stress_command_timeout
	StressDataTimeout        time.Duration // stress_data_timeout
	SoftErrorLimit           int           // soft_error_limit
	HardErrorLimit           int           // hard_error_limit
	ErrorDelay               time.Duration // error_delay
	AuthFailureLimit         int           // auth_failure_limit per client address
	AuthFailureWindow        time.Duration // auth_failure_window
	RecordsPerSession        int           // rejection_records_per_session
	RecordsPerSecond         int           // rejection_records_per_second
	MaxHops                  int           // max_hops: Received: fields
	MaxDataInFlight          int64         // max_data_in_flight: bytes, SMTP and HTTP together; 0 = no limit
	// AddHeadersNetworks (add_missing_headers_networks): messages from
	// clients there, and from authenticated ones, get Date and Message-ID
	// when they lack them.
	AddHeadersNetworks []netip.Prefix
}

// Admin is the [admin] section: the admin HTTP API used by the CLI.
type Admin struct {
	Listen netip.AddrPort // listen; invalid (zero) = off
	Token  string         // token: bearer token; "" = none (loopback only)
	// AllowedHosts (allowed_hosts): names a request's Host may carry
	// besides the listener's addresses and localhost.
	AllowedHosts []string
}

// HTTP is the [http] section: the HTTP injection API.
type HTTP struct {
	Listen         netip.AddrPort // listen; invalid (zero) = off
	MaxRequestSize int64          // max_request_size: what one request renders and builds
	TLSCert        string         // tls_cert, PEM file; "" with TLSKey "" = plain HTTP
	TLSKey         string         // tls_key, PEM file
}

// DKIM is the [dkim] section: the DKIM signing keys.
type DKIM struct {
	DefaultDomain string    // default_domain: signs mail no other key covers; "" = none
	Headers       []string  // headers: signed header list; nil = the signer's default list
	Keys          []DKIMKey // [[dkim.key]], in file order
}

// DKIMKey is one [[dkim.key]]: a selector of a signing domain and its key.
type DKIMKey struct {
	Domain    string   // domain: d=
	Selector  string   // selector: s=
	KeyFile   string   // key_file: PEM or raw Ed25519 seed
	Algorithm string   // algorithm: "rsa-sha256", "ed25519-sha256", or "" = from the key
	Headers   []string // headers: this key's signed header list; nil = dkim.headers
}

// Delivery is the [delivery] section: outbound SMTP.
type Delivery struct {
	Port                  uint16         // port of MX hosts and of route hosts without one
	DNSServer             netip.AddrPort // dns_server; invalid (zero) = system resolver
	DNSTimeout            time.Duration  // dns_timeout
	ConnectTimeout        time.Duration  // connect_timeout
	CommandTimeout        time.Duration  // command_timeout
	DataTimeout           time.Duration  // data_timeout
	MaxConnectionsPerPath int            // max_connections_per_path
	TLS                   policy.TLSMode // tls
	MTASTS                bool           // mta_sts: apply recipient domains' MTA-STS policies
	MTASTSPort            uint16         // mta_sts_port: port of policy hosts (443; tests use another)
	DANE                  bool           // dane: dns_server validates DNSSEC; apply DANE TLSA records
	TLSRoots              string         // tls_roots: PEM roots of MTA-STS checks; "" = the system's
	TLSReports            bool           // tls_reports: send RFC 8460 reports to policy domains that ask
}

// Queue is the [queue] section: the default retry schedule and expiry.
type Queue struct {
	RetryInitial time.Duration // retry_initial, then doubling
	RetryMax     time.Duration // retry_max: cap of the delay
	MaxAge       time.Duration // max_age: expiry
	RetryJitter  float64       // retry_jitter: fraction in [0, 1)
	// RetryThrottled (retry_throttled) is the first retry delay of a
	// recipient deferred for a cause that lies with the path (a throttle,
	// a connection that broke without a reply), doubling per attempt, at
	// the path's pace, never later than the schedule.
	RetryThrottled time.Duration
}

// Policy is the [policy] section: the WebAssembly policy host.
type Policy struct {
	Global      string        // global: .wasm file; "" = built-in default policy
	CallTimeout time.Duration // call_timeout: deadline of one hook call
	MemoryLimit int64         // memory_limit, bytes per instance (multiple of 64 KiB)
	Instances   int           // instances: pool size per module
	// Limits of one module's compilation (a push or a start).
	MaxModuleSize     int64         // max_module_size, bytes
	CompileTimeout    time.Duration // compile_timeout
	MaxFunctionBlocks int           // max_function_blocks: control instructions per function
}

// Records is the [records] section: the JSON-lines event log, its rotation
// and retention.
type Records struct {
	Path           string        // path; default <spool_dir>/records.jsonl
	Enabled        bool          // enabled: false writes no file (webhooks and metrics still see every record)
	RotateSize     int64         // rotate_size, bytes: rotate when the file reaches it; 0 = never by size
	RotateInterval time.Duration // rotate_interval: rotate when the file is this old; 0 = never by age
	Compress       bool          // compress: gzip rotated files
	KeepFiles      int           // keep_files: rotated files kept, newest first; 0 = no limit
	KeepFor        time.Duration // keep_for: rotated files older than this are deleted; 0 = forever
}

// Webhook is one [[webhook]]: an HTTP endpoint that receives records in
// batches, from a durable outbox in the spool.
type Webhook struct {
	Name         string        // name: names its outbox; default the tenant, or "global"
	Tenant       string        // tenant: only this tenant's records; "" = every record
	URL          string        // url: http:// or https://
	Events       []string      // events: record types sent; empty = every type
	BatchSize    int           // batch_size: records per POST, at most
	BatchWait    time.Duration // batch_wait: how long a record may wait for a fuller batch
	Secret       string        // secret: HMAC-SHA256 key of the signature header; "" = unsigned
	Timeout      time.Duration // timeout: of one POST
	RetryInitial time.Duration // retry_initial: delay after a failed POST, then doubling
	RetryMax     time.Duration // retry_max: longest delay between two tries
}

// Route is one [[route]]: a static next hop (smart host) for a domain.
type Route struct {
	Domain       string   // lowercased domain, or "*" for every domain
	Hosts        []string // host or host:port, tried in order
	AuthUser     string   // auth_user for SMTP AUTH at the smart host
	AuthPassword string   // auth_password
}

// Tenant is one [[tenant]]: a sender with its credentials and limits.
type Tenant struct {
	Name              string
	SMTPUsers         []SMTPUser
	APITokensSHA256   [][32]byte // api_tokens_sha256, decoded
	Policy            string     // policy: .wasm file loaded at start; "" = global
	DefaultPool       string     // default_pool; "" = "default"
	MaxMessageSize    int64      // max_message_size; 0 = smtp.max_message_size
	MaxRecipients     int        // max_recipients; 0 = smtp.max_recipients
	MessagesPerMinute int        // messages_per_minute; 0 = unlimited
	DSN               bool       // dsn: send a delivery status notification to the sender on bounce or expiry
	// ReturnPath (return_path, "PREFIX@BOUNCE-DOMAIN"): the envelope sender
	// of the tenant's mail becomes PREFIX+TOKEN@BOUNCE-DOMAIN (VERP), so
	// bounces come back to the inbound listener; "" keeps the sender given.
	ReturnPath string
	// SuppressedRecipients (suppressed_recipients): what happens to a
	// recipient on the tenant's (or the global) suppression list:
	// SuppressedReject (or "") refuses it at RCPT (550 5.7.1), SuppressedDrop
	// accepts it and drops it with a Suppressed record.
	SuppressedRecipients string
	// HardBounceSuppressFor (hard_bounce_suppress_for): how long the
	// default keeps a hard-bounced address on the tenant's list; 0 = until
	// removed. A policy's suppress_for_ms overrides it.
	HardBounceSuppressFor time.Duration
}

// Values of Tenant.SuppressedRecipients.
const (
	SuppressedReject = "reject"
	SuppressedDrop   = "drop"
)

// SMTPUser is one login of a tenant (tenant.smtp_users).
type SMTPUser struct {
	Username     string
	PasswordHash string // bcrypt ($2a$, $2b$, $2y$)
}

// Source is one [[source]]: an egress address and EHLO name.
type Source struct {
	Name    string
	Address netip.Addr // address to bind; invalid (zero) = any
	EHLO    string     // ehlo; default Hostname
}

// Pool is one [[pool]]: a weighted set of sources.
type Pool struct {
	Name    string
	Sources []PoolSource
}

// PoolSource is one member of a pool.
type PoolSource struct {
	Name   string // a Source name
	Weight int    // share of the pool's traffic, >= 1
}

// DefaultName names the source and pool created when the file has none, and
// the pool of messages whose tenant has no default_pool.
const DefaultName = "default"

// Tenant returns the tenant with that name, or nil.
func (c *Config) Tenant(name string) *Tenant {
	for i := range c.Tenants {
		if c.Tenants[i].Name == name {
			return &c.Tenants[i]
		}
	}
	return nil
}

// Source returns the source with that name, or nil.
func (c *Config) Source(name string) *Source {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i]
		}
	}
	return nil
}

// Pool returns the pool with that name, or nil.
func (c *Config) Pool(name string) *Pool {
	for i := range c.Pools {
		if c.Pools[i].Name == name {
			return &c.Pools[i]
		}
	}
	return nil
}

// Tables is the [tables] section: the data tables policies look up.
type Tables struct {
	MaxBytes  int64 // max_bytes: largest push, bytes
	CacheSize int64 // cache_size: bytes of the lookup cache
}

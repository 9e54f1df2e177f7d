package wasmta

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
)

//go:embed wasmta.toml.tmpl
var configTemplate string

var tmpl = template.Must(template.New("wasmta.toml").Parse(configTemplate))

// Route is a static route of the configuration.
type Route struct {
	Domain string
	Hosts  []string
}

// Tenant is a [[tenant]] with one SMTP login and its own policy.
type Tenant struct {
	Name, Policy, User, PasswordHash string
}

// DKIMKey is a [[dkim.key]]: every message from Domain is signed with it.
type DKIMKey struct {
	Domain, Selector, KeyFile string
}

// Config describes an instance. Zero values get the defaults noted.
type Config struct {
	Bin            string    // the wasmta binary
	Dir            string    // run directory: config, log; the spool is Dir/spool unless Spool is set
	Spool          string    //
	SMTPPort       int       // SMTP on 127.0.0.1:SMTPPort
	Conns          int       // delivery.max_connections_per_path [20]
	ConnectTimeout string    // delivery.connect_timeout ["60s"]
	CommandTimeout string    // delivery.command_timeout ["5m"]
	RetryInitial   string    // queue.retry_initial ["20m"]
	RetryMax       string    // queue.retry_max ["4h"]
	DNS            string    // delivery.dns_server ("" = no MX delivery in the run)
	MXPort         int       // delivery.port, with DNS
	Policy         string    // policy.global ("" = built-in)
	Routes         []Route   //
	Admin          string    // admin.listen ("" = off)
	TLS            string    // delivery.tls ["disabled"]
	Tenants        []Tenant  //
	DKIM           []DKIMKey // [[dkim.key]] ("" = nothing signed)
}

// Instance is a running wasmta.
type Instance struct {
	cfg   Config
	child *proc.Child
	// Started is when the process was started; Ready when its SMTP port
	// first accepted a connection.
	Started, Ready time.Time
}

func (c *Config) defaults() {
	if c.Spool == "" {
		c.Spool = filepath.Join(c.Dir, "spool")
	}
	if c.Conns == 0 {
		c.Conns = 20
	}
	if c.ConnectTimeout == "" {
		c.ConnectTimeout = "60s"
	}
	if c.CommandTimeout == "" {
		c.CommandTimeout = "5m"
	}
	if c.RetryInitial == "" {
		c.RetryInitial = "20m"
	}
	if c.RetryMax == "" {
		c.RetryMax = "4h"
	}
	if c.TLS == "" {
		c.TLS = "disabled"
	}
}

// WriteConfig renders the configuration file and returns its path.
func WriteConfig(cfg Config) (string, error) {
	cfg.defaults()
	var b bytes.Buffer
	if err := tmpl.Execute(&b, cfg); err != nil {
		return "", fmt.Errorf("wasmta: render config: %w", err)
	}
	p := filepath.Join(cfg.Dir, "wasmta.toml")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("wasmta: write config: %w", err)
	}
	return p, nil
}

// Start writes the configuration, starts `wasmta serve` and returns once
// its SMTP port accepts connections. extraArgs go after --config.
func Start(ctx context.Context, cfg Config, extraArgs ...string) (*Instance, error) {
	cfg.defaults()
	path, err := WriteConfig(cfg)
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--config", path}, extraArgs...)
	i := &Instance{cfg: cfg, Started: time.Now()}
	i.child, err = proc.Start(cfg.Bin, args, i.LogPath())
	if err != nil {
		return nil, err
	}
	if err := proc.WaitPort(ctx, i.Addr(), i.child); err != nil {
		i.child.Kill()
		return nil, fmt.Errorf("wasmta: not ready: %w\n%s", err, i.LogTail())
	}
	i.Ready = time.Now()
	return i, nil
}

// Addr returns the SMTP address.
func (i *Instance) Addr() string { return "127.0.0.1:" + strconv.Itoa(i.cfg.SMTPPort) }

// PID returns the process id.
func (i *Instance) PID() int { return i.child.PID() }

// Spool returns the spool directory.
func (i *Instance) Spool() string { return i.cfg.Spool }

// LogPath returns the file the process logs to.
func (i *Instance) LogPath() string { return filepath.Join(i.cfg.Dir, "wasmta.log") }

// Stop stops the process (SIGTERM, SIGKILL after grace).
func (i *Instance) Stop(grace time.Duration) { i.child.Stop(grace) }

// Kill ends the process at once (SIGKILL), as a crash would.
func (i *Instance) Kill() { i.child.Kill() }

// Exited reports whether the process ended, and how.
func (i *Instance) Exited() (bool, error) { return i.child.Exited() }

// LogTail returns the end of the log, for error messages.
func (i *Instance) LogTail() string {
	b, err := os.ReadFile(i.LogPath())
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// WaitLog waits until the log holds line (a substring), up to ctx, and
// returns when it was first seen.
func (i *Instance) WaitLog(ctx context.Context, line string) (time.Time, error) {
	for {
		b, _ := os.ReadFile(i.LogPath())
		if bytes.Contains(b, []byte(line)) {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("wasmta: log line %q: %w", line, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// RebuildTook returns the duration wasmta logged with "queues rebuilt"
// (the took= attribute): how long rebuilding the queues from the spool
// took, measured inside the process.
func (i *Instance) RebuildTook() (time.Duration, error) {
	b, err := os.ReadFile(i.LogPath())
	if err != nil {
		return 0, fmt.Errorf("wasmta: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "queues rebuilt") {
			continue
		}
		_, v, ok := strings.Cut(line, "took=")
		if !ok {
			break
		}
		if f := strings.Fields(v); len(f) > 0 {
			return time.ParseDuration(strings.Trim(f[0], `"`))
		}
	}
	return 0, fmt.Errorf("wasmta: no \"queues rebuilt ... took=\" line in %s", i.LogPath())
}

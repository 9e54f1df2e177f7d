package scenario

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/bench/internal/postfix"
	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/sink"
	"github.com/wasmta/wasmta/bench/internal/wasmta"
)

// wasmtaSubject is a running wasmta; one process, so its own /proc
// figures are the whole story.
type wasmtaSubject struct{ *wasmta.Instance }

func (w wasmtaSubject) CPU() time.Duration {
	s, err := proc.ReadStat(w.PID())
	if err != nil {
		return 0
	}
	return s.CPU()
}

// Faults is the process's minor page faults so far.
func (w wasmtaSubject) Faults() int64 {
	s, err := proc.ReadStat(w.PID())
	if err != nil {
		return 0
	}
	return s.MinFlt
}

func (w wasmtaSubject) Mem() int64 {
	m, _ := proc.ReadMemory(w.PID())
	return m.RSS
}

// PeakMem is VmHWM: the kernel's own peak, nothing missed between samples.
func (w wasmtaSubject) PeakMem() int64 {
	m, _ := proc.ReadMemory(w.PID())
	return m.HWM
}

// postfixSubject is a running Postfix: a master and its many daemons.
// CPU is that of the master's process tree including reaped children;
// memory is the summed PSS of the tree (each shared page counted once),
// sampled.
type postfixSubject struct{ *postfix.Instance }

func (p postfixSubject) CPU() time.Duration { return proc.TreeCPU(p.MasterPID()) }
func (p postfixSubject) Mem() int64         { return proc.TreePss(p.MasterPID()) }
func (p postfixSubject) PeakMem() int64     { return 0 }

// wasmtaOpts are what differs between the scenarios' wasmta instances.
type wasmtaOpts struct {
	Routes         []wasmta.Route
	DNS            string // delivery by MX through this DNS, to port MXPort
	MXPort         int
	Policy         string
	ConnectTimeout string
	CommandTimeout string
	RetryInitial   string
	RetryMax       string
	Spool          string // reuse this spool (backlog restarts)
	Admin          string // admin API address ("" = off)
	TLS            string // delivery.tls ("" = disabled)
	Tenants        []wasmta.Tenant
	DKIM           []wasmta.DKIMKey
	Conns          int // delivery.max_connections_per_path (0: the harness's 20)
	Args           []string
	Bin            string // the wasmta binary ("": Env.Wasmta)
	SinkChunking   bool   // the Go sink offers CHUNKING (sink.SetChunking)
}

// startWasmta starts wasmta in a new run directory.
func (e *Env) startWasmta(ctx context.Context, o wasmtaOpts) (wasmtaSubject, error) {
	dir, err := e.dir("wasmta")
	if err != nil {
		return wasmtaSubject{}, err
	}
	port, err := proc.FreePort()
	if err != nil {
		return wasmtaSubject{}, err
	}
	args := o.Args
	if e.ProfileDir != "" {
		args = append(args, "--cpuprofile", filepath.Join(e.ProfileDir, filepath.Base(dir)+".pprof"))
	}
	ctx, cancel := within(ctx, 60*time.Second)
	defer cancel()
	inst, err := wasmta.Start(ctx, wasmta.Config{Bin: cmp.Or(o.Bin, e.Wasmta), Dir: dir, Spool: o.Spool, SMTPPort: port,
		Routes: o.Routes, DNS: o.DNS, MXPort: o.MXPort, Policy: o.Policy,
		ConnectTimeout: o.ConnectTimeout, CommandTimeout: o.CommandTimeout, RetryInitial: o.RetryInitial, RetryMax: o.RetryMax,
		Admin: o.Admin, TLS: o.TLS, Tenants: o.Tenants, DKIM: o.DKIM, Conns: o.Conns}, args...)
	if err != nil {
		return wasmtaSubject{}, err
	}
	return wasmtaSubject{inst}, nil
}

// relayTo is the static route sending everything to the sink.
func relayTo(s *sink.Sink) []wasmta.Route {
	return []wasmta.Route{{Domain: "*", Hosts: []string{s.Addr()}}}
}

// startPostfix starts a private Postfix relaying everything to the sink;
// extra are more main.cf lines (a milter).
func (e *Env) startPostfix(ctx context.Context, s *sink.Sink, extra ...string) (postfixSubject, error) {
	return e.startPostfixWith(ctx, s, func(c *postfix.Config) { c.Extra = extra })
}

// startPostfixWith is startPostfix with the configuration changed by tweak.
func (e *Env) startPostfixWith(ctx context.Context, s *sink.Sink, tweak func(*postfix.Config)) (postfixSubject, error) {
	if !e.Postfix {
		return postfixSubject{}, fmt.Errorf("scenario: postfix is not installed")
	}
	dir, err := e.dir("postfix")
	if err != nil {
		return postfixSubject{}, err
	}
	port, err := proc.FreePort()
	if err != nil {
		return postfixSubject{}, err
	}
	ctx, cancel := within(ctx, 60*time.Second)
	defer cancel()
	cfg := postfix.Config{Dir: dir, SMTPPort: port, RelayHost: "127.0.0.1", RelayPort: portOf(s.Addr())}
	tweak(&cfg)
	inst, err := postfix.Start(ctx, cfg)
	if err != nil {
		return postfixSubject{}, err
	}
	return postfixSubject{inst}, nil
}

// startSmtpSink starts Postfix's smtp-sink on a free port.
func startSmtpSink(ctx context.Context, e *Env) (*proc.Child, string, error) {
	port, err := proc.FreePort()
	if err != nil {
		return nil, "", err
	}
	dir, err := e.dir("smtp-sink")
	if err != nil {
		return nil, "", err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	// -u nobody: smtp-sink refuses to run as root. 1024: listen backlog.
	c, err := proc.Start("smtp-sink", []string{"-u", "nobody", addr, "1024"}, dir+"/smtp-sink.log")
	if err != nil {
		return nil, "", err
	}
	ctx, cancel := within(ctx, 10*time.Second)
	defer cancel()
	if err := proc.WaitPort(ctx, addr, c); err != nil {
		c.Stop(time.Second)
		return nil, "", err
	}
	return c, addr, nil
}

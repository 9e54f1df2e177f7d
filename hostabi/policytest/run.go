package policytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/policy"
)

// TestCallTimeout and TestInitTimeout are the deadlines Run uses: far
// above the daemon's defaults (policy.call_timeout 50 ms, start 1 s), so
// that a busy machine does not turn a slow call or a slow start into a
// failed case. Speed is what the benchmarks measure; a case checks
// decisions. The call deadline was the daemon's 50 ms until a first call
// into a Go guest took longer on a 2-CPU machine at load 12
// (TestGoSDKOnOlderHost, session 10): a thread descheduled for a few time
// slices is not a slow policy.
const (
	TestCallTimeout = 500 * time.Millisecond
	TestInitTimeout = 10 * time.Second
)

// Run loads the module wasm into a new host, runs every case of the case
// file and writes a report to out: one line per case, a diff per failing
// case, and a closing "N passed, N failed" line. err is set when the file
// cannot be parsed or the module is refused; failing cases are counted,
// not errors. Guest log lines go to out as well. The host has the default
// limits except the deadlines, TestCallTimeout and TestInitTimeout.
func Run(ctx context.Context, wasm []byte, cases io.Reader, out io.Writer) (passed, failed int, err error) {
	return RunWith(ctx, hostabi.Config{CallTimeout: TestCallTimeout, InitTimeout: TestInitTimeout}, wasm, cases, out)
}

// RunWith is Run with the host configuration cfg; a nil cfg.Logger sends
// guest log lines to out.
func RunWith(ctx context.Context, cfg hostabi.Config, wasm []byte, cases io.Reader, out io.Writer) (passed, failed int, err error) {
	return runIn(ctx, cfg, wasm, cases, ".", out)
}

// RunFile is Run on the case file at path, whose [[table]] files are read
// relative to the case file's directory.
func RunFile(ctx context.Context, wasm []byte, path string, out io.Writer) (passed, failed int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("policytest: %w", err)
	}
	defer f.Close()
	cfg := hostabi.Config{CallTimeout: TestCallTimeout, InitTimeout: TestInitTimeout}
	return runIn(ctx, cfg, wasm, f, filepath.Dir(path), out)
}

// runIn runs a case file whose table files are relative to dir; the
// file's tables answer the module's lookups unless cfg has tables.
func runIn(ctx context.Context, cfg hostabi.Config, wasm []byte, cases io.Reader, dir string, out io.Writer) (passed, failed int, err error) {
	suite, err := ParseSuite(cases, dir)
	if err != nil {
		return 0, 0, err
	}
	cs := suite.Cases
	if cfg.Tables == nil {
		cfg.Tables = memTables(suite.Tables)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	host, err := hostabi.New(ctx, cfg)
	if err != nil {
		return 0, 0, fmt.Errorf("policytest: %w", err)
	}
	defer host.Close(context.WithoutCancel(ctx))
	mod, err := host.Load(ctx, "", wasm)
	if err != nil {
		return 0, 0, fmt.Errorf("policytest: module refused: %w", err)
	}
	defer mod.Close()
	passed, failed = RunPolicy(ctx, mod, cs, out)
	return passed, failed, nil
}

// RunPolicy runs cases against p (a loaded module, or any other
// policy.Policy such as a native one) and reports to out as Run does.
func RunPolicy(ctx context.Context, p policy.Policy, cases []Case, out io.Writer) (passed, failed int) {
	for i := range cases {
		c := &cases[i]
		problems := runCase(ctx, p, c)
		if len(problems) == 0 {
			passed++
			fmt.Fprintf(out, "PASS  %s (%s)\n", c.Name, c.Hook)
			continue
		}
		failed++
		fmt.Fprintf(out, "FAIL  %s (%s)\n", c.Name, c.Hook)
		for _, line := range problems {
			fmt.Fprintf(out, "      %s\n", line)
		}
	}
	fmt.Fprintf(out, "%d passed, %d failed\n", passed, failed)
	return passed, failed
}

// runCase calls the hook through a fresh Guard (no decision cached from
// another case) and returns what differs, or nil.
func runCase(ctx context.Context, p policy.Policy, c *Case) []string {
	rec := &recorder{p: p}
	g := policy.NewGuard(fixedRegistry{rec}, &policy.Default{}, nil)
	d := call(ctx, g, c)
	switch {
	case rec.err == nil:
		d["decided_by"] = "policy"
	default:
		d["decided_by"] = "default"
	}
	var problems []string
	fault := faultOf(rec.err)
	if msg := checkFault(c.Expect["fault"], fault); msg != "" {
		problems = append(problems, msg)
	}
	for _, m := range compare(c.Expect, d) {
		problems = append(problems, fmt.Sprintf("%s: got %s, want %s", m.key, show(m.got), show(m.want)))
	}
	if len(problems) > 0 {
		problems = append(problems, "decision: "+showDecision(d))
	}
	return problems
}

func call(ctx context.Context, g *policy.Guard, c *Case) decision {
	m := in(c.Input)
	switch c.Hook {
	case policy.HookMailFrom:
		return mailFromDecision(g.MailFrom(ctx, mailFromInput(m)))
	case policy.HookRcpt:
		return rcptDecision(g.Rcpt(ctx, rcptInput(m)))
	case policy.HookMessage:
		return messageDecision(g.Message(ctx, messageInput(m)))
	case policy.HookRoute:
		r, _ := g.Route(ctx, routeInput(m))
		return routeDecision(r)
	case policy.HookSelectPool:
		return poolDecision(g.SelectPool(ctx, poolInput(m)))
	case policy.HookShape:
		s, _ := g.Shape(ctx, shapeInput(m))
		return shapeDecision(s)
	default:
		cl, _ := g.Classify(ctx, classifyInput(m))
		return classifyDecision(cl)
	}
}

// faultOf is the fault of a call, nil for a decision or "no opinion".
func faultOf(err error) error {
	if err == nil || errors.Is(err, policy.ErrNotImplemented) {
		return nil
	}
	return err
}

// checkFault compares the call's fault with expect.fault: absent or false
// means "no fault", true "a fault", a string "a fault whose text contains
// it".
func checkFault(want any, fault error) string {
	switch w := want.(type) {
	case nil, bool:
		wantFault := w == true
		switch {
		case fault != nil && !wantFault:
			return "unexpected fault: " + fault.Error()
		case fault == nil && wantFault:
			return "fault: got none, want a fault"
		}
	case string:
		if fault == nil || !strings.Contains(fault.Error(), w) {
			return fmt.Sprintf("fault: got %v, want one containing %q", fault, w)
		}
	default:
		return fmt.Sprintf("fault: expect true, false or a text, not %v", want)
	}
	return ""
}

// fixedRegistry hands the same policy to every tenant.
type fixedRegistry struct{ p policy.Policy }

func (f fixedRegistry) For(string) policy.Policy { return f.p }

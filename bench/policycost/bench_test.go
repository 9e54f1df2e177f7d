package policycost

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmta/wasmta/bench/policycost/logic"
	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
	"github.com/wasmta/wasmta/mta/policy"
)

var (
	ctx = context.Background()
	// guarded runs with the production deadline guard; unguarded without
	// wazero's termination checks (hostabi.Config.UnsafeNoDeadline).
	guarded, unguarded *hostabi.Module
)

// TestMain builds the policy module (cached by BuildGo) and loads it into
// two hosts, with and without the deadline guard; not under callgrind
// (WASMTA_BENCH_COUNT set, scripts/policy-count-hooks.sh), where a build's
// child process aborts valgrind and BenchmarkMessageCount loads its own.
func TestMain(m *testing.M) {
	if os.Getenv("WASMTA_BENCH_COUNT") != "" {
		os.Exit(m.Run())
	}
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func setup() error {
	wasm, err := policytest.BuildGo(ctx, "wasmpolicy")
	if err != nil {
		return err
	}
	for _, target := range []struct {
		mod     **hostabi.Module
		noGuard bool
	}{{&guarded, false}, {&unguarded, true}} {
		h, err := hostabi.New(ctx, hostabi.Config{
			// A generous deadline: a busy test machine must not fault a call.
			CallTimeout:      time.Second,
			InitTimeout:      20 * time.Second,
			UnsafeNoDeadline: target.noGuard,
			CacheDir:         filepath.Join(os.TempDir(), "wasmta-wazero-cache"),
			Logger:           slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		if err != nil {
			return err
		}
		if *target.mod, err = h.Load(ctx, "", wasm); err != nil {
			return fmt.Errorf("bench: load: %w", err)
		}
	}
	return nil
}

// replies is the classify workload: provider texts that hit early, middle
// and late rules, the enhanced-code fallback and a connection failure.
var replies = []policy.ClassifyInput{
	{Site: "mta5.am0.yahoodns.net", Stage: "rcpt", Code: 421, Enhanced: "4.7.0", Text: "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"},
	{Site: "gmail-smtp-in.l.google.com", Stage: "data", Code: 421, Enhanced: "4.7.28", Text: "4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address."},
	{Site: "gmail-smtp-in.l.google.com", Stage: "rcpt", Code: 550, Enhanced: "5.1.1", Text: "5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces."},
	{Site: "hotmail-com.olc.protection.outlook.com", Stage: "rcpt", Code: 550, Enhanced: "5.7.1", Text: "Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150)."},
	{Site: "mx01.mail.icloud.com", Stage: "data", Code: 550, Enhanced: "5.7.1", Text: "[CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137"},
	{Site: "mx.example.com", Stage: "rcpt", Code: 550, Enhanced: "5.1.10", Text: "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"},
	{Site: "mx.example.com", Stage: "rcpt", Code: 452, Enhanced: "4.2.2", Text: "4.2.2 The recipient's inbox is out of storage space."},
	{Site: "mx.example.com", Stage: "connect", Code: 0, Text: "dial tcp 192.0.2.1:25: connect: connection refused"},
}

var routes = []policy.RouteInput{
	{Tenant: "relayco", Domain: "gmail.com"},
	{Tenant: "acme", Campaign: "bulk-spring", Domain: "yahoo.com"},
	{Tenant: "acme", Campaign: "welcome", Domain: "example.com"},
	{Tenant: "globex", Domain: "outlook.com"},
}

// fromPolicy converts the engine's classification to logic.Class.
func fromPolicy(c policy.Classification) logic.Class {
	action := map[policy.Action]string{policy.ActionRetry: "retry", policy.ActionBounce: "bounce"}[c.Action]
	return logic.Class{
		Category: c.Category, Action: action, Suspend: c.Suspend, RateFactor: c.RateFactor,
		DurationMS: c.Duration.Milliseconds(), Threshold: int64(c.Threshold), WindowMS: c.Window.Milliseconds(),
	}
}

// TestImplementationsAgree: the wasm module (with and without the guard),
// native Go and Lua make the same decisions on the whole workload, so the
// benchmarks compare the same work.
func TestImplementationsAgree(t *testing.T) {
	lp, err := newLuaPolicy()
	if err != nil {
		t.Fatal(err)
	}
	defer lp.L.Close()
	for i := range replies {
		in := &replies[i]
		native := logic.Classify(in.Code, in.Enhanced, in.Text)
		for name, mod := range map[string]*hostabi.Module{"guarded": guarded, "unguarded": unguarded} {
			c, err := mod.Classify(ctx, in)
			if err != nil || fromPolicy(c) != native {
				t.Errorf("reply %d: wasm %s %+v (%v), native %+v", i, name, fromPolicy(c), err, native)
			}
		}
		if l, err := lp.classify(in); err != nil || l != native {
			t.Errorf("reply %d: lua %+v (%v), native %+v", i, l, err, native)
		}
	}
	for i := range routes {
		in := &routes[i]
		native, nok := logic.RouteFor(in.Tenant, in.Campaign, in.Domain)
		r, err := guarded.Route(ctx, in)
		wok := err == nil
		if (err != nil && err != policy.ErrNotImplemented) || wok != nok || r.Domain != native.MXDomain || fmt.Sprint(r.Hosts) != fmt.Sprint(native.Hosts) {
			t.Errorf("route %d: wasm %+v (%v), native %+v %v", i, r, err, native, nok)
		}
		l, lok, err := lp.route(in)
		if err != nil || lok != nok || l.MXDomain != native.MXDomain || fmt.Sprint(l.Hosts) != fmt.Sprint(native.Hosts) {
			t.Errorf("route %d: lua %+v %v (%v), native %+v %v", i, l, lok, err, native, nok)
		}
	}
}

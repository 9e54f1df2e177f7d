package hostabi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// ErrDeadlineExceeded is the cause of a fault by a call running past its
// deadline.
var ErrDeadlineExceeded = errors.New("deadline exceeded")

// instance is one instantiation of a module. It runs one call at a time;
// the pool hands it to one caller at a time.
type instance struct {
	mod      api.Module
	fns      [numHooks]api.Function
	ctx      context.Context // carries the instance for host functions
	cancel   context.CancelFunc
	timer    *time.Timer // deadline; nil without the guard
	maxSleep time.Duration
	call     call
	stack    [1]uint64
	log      *slog.Logger
}

// newInstance instantiates m and runs its initialisation under
// Config.InitTimeout.
func (m *Module) newInstance() (*instance, error) {
	cfg := &m.host.cfg
	inst := &instance{log: m.log, maxSleep: cfg.CallTimeout}
	inst.ctx, inst.cancel = context.WithCancel(context.WithValue(context.Background(), instanceKey{}, inst))
	ictx, cancel := context.WithTimeout(inst.ctx, cfg.InitTimeout)
	defer cancel()
	mc := m.host.modConfig.
		WithStdout(lineWriter{inst, slog.LevelInfo}).
		WithStderr(lineWriter{inst, slog.LevelWarn}).
		WithNanosleep(inst.sleep)
	mod, err := m.host.rt.InstantiateModule(ictx, m.compiled, mc)
	if err != nil {
		inst.cancel()
		return nil, fmt.Errorf("instantiate: %w", callError(err, ictx))
	}
	inst.mod = mod
	if init := mod.ExportedFunction("_initialize"); init != nil {
		if _, err := init.Call(ictx); err != nil {
			inst.close()
			return nil, fmt.Errorf("_initialize: %w", callError(err, ictx))
		}
	}
	for h := range numHooks {
		if m.has[h] {
			inst.fns[h] = mod.ExportedFunction(hookNames[h])
		}
	}
	if !cfg.UnsafeNoDeadline {
		inst.timer = time.AfterFunc(time.Hour, inst.cancel)
		inst.timer.Stop()
	}
	return inst, nil
}

// invoke calls hook h with deadline d. A non-nil error means the instance
// is unusable (trap, exit, deadline) and must be closed.
func (inst *instance) invoke(h hookID, d time.Duration) (int32, error) {
	if inst.timer != nil {
		inst.timer.Reset(d)
	}
	err := inst.fns[h].CallWithStack(inst.ctx, inst.stack[:])
	if inst.timer != nil && !inst.timer.Stop() {
		// The timer fired: wazero closes the module on the cancelled
		// context, whether or not the guest finished in the meantime.
		return 0, ErrDeadlineExceeded
	}
	if err != nil {
		return 0, callError(err, inst.ctx)
	}
	return api.DecodeI32(inst.stack[0]), nil
}

// callError turns an error of a guest call into the fault text of ABI.md
// section 7, without wazero's stack trace.
func callError(err error, ctx context.Context) error {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch {
		case exit.ExitCode() == sys.ExitCodeDeadlineExceeded, exit.ExitCode() == sys.ExitCodeContextCanceled:
			return ErrDeadlineExceeded
		case ctx.Err() != nil:
			return ErrDeadlineExceeded
		}
		return fmt.Errorf("exit code %d", exit.ExitCode())
	}
	var abort *abortError
	if errors.As(err, &abort) {
		return fmt.Errorf("trap: %s", abort.msg)
	}
	msg, _, _ := strings.Cut(err.Error(), "\n")
	msg = strings.TrimSuffix(msg, " (recovered by wazero)")
	return fmt.Errorf("trap: %s", msg)
}

// close ends the instance; it is never used again.
func (inst *instance) close() {
	if inst.timer != nil {
		inst.timer.Stop()
	}
	inst.cancel()
	if inst.mod != nil {
		_ = inst.mod.Close(context.Background())
	}
}

// sleep implements the guest's nanosleep (poll_oneoff): it never sleeps
// past one call timeout and wakes when the instance is stopped, so a
// sleeping guest cannot outlive its deadline.
func (inst *instance) sleep(ns int64) {
	t := time.NewTimer(min(time.Duration(ns), inst.maxSleep))
	defer t.Stop()
	select {
	case <-t.C:
	case <-inst.ctx.Done():
	}
}

// logLine writes one guest log line, applying the limits of ABI.md 2.1.
func (inst *instance) logLine(level slog.Level, b []byte) {
	c := &inst.call
	if c.logs >= maxLogLines {
		return
	}
	c.logs++
	if len(b) > maxLogLine {
		b = b[:maxLogLine]
	}
	hook := "init"
	if c.active {
		hook = c.hook.String()
	}
	inst.log.Log(context.Background(), level, string(b), "hook", hook)
}

// lineWriter sends a guest's stdout or stderr to the log, a line per record.
type lineWriter struct {
	inst  *instance
	level slog.Level
}

func (w lineWriter) Write(p []byte) (int, error) {
	for _, line := range bytes.Split(bytes.TrimRight(p, "\n"), []byte("\n")) {
		if len(line) > 0 {
			w.inst.logLine(w.level, line)
		}
	}
	return len(p), nil
}

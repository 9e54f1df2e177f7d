package hostabi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
	"github.com/wasmta/wasmta/hostabi/internal/guard"
)

// ErrDeadlineExceeded is the cause of a fault by a call running past its
// deadline.
var ErrDeadlineExceeded = errors.New("deadline exceeded")

// instance is one instantiation of a module. It runs one call at a time;
// the pool hands it to one caller at a time.
type instance struct {
	mod       api.Module
	fns       [numHooks]api.Function
	ctx       *instanceContext  // carries the instance for host functions
	interrupt api.MutableGlobal // the guest's interrupt flag; nil without the guard
	watch     *watchdog         // nil without the guard
	deadline  atomic.Int64      // of the running call, for the watchdog; 0 between calls
	stopped   atomic.Bool
	stopCh    chan struct{} // closed by stop: wakes a sleeping guest
	maxSleep  time.Duration
	call      call
	stack     [1]uint64
	log       *slog.Logger
}

// startFunc is a module's wasm start function, exported by guard.Instrument.
type startFunc struct{ index uint32 }

// newInstance instantiates m and runs its start function and
// initialisation under Config.InitTimeout.
func (m *Module) newInstance() (*instance, error) {
	cfg := &m.host.cfg
	inst := &instance{log: m.log, maxSleep: cfg.CallTimeout, stopCh: make(chan struct{})}
	inst.ctx = &instanceContext{inst}
	mc := m.host.modConfig.
		WithStdout(lineWriter{inst, slog.LevelInfo}).
		WithStderr(lineWriter{inst, slog.LevelWarn}).
		WithNanosleep(inst.sleep)
	// The linear memory is inst's own mapping (memory_unix.go).
	mod, err := m.host.rt.InstantiateModule(withMemory(inst.ctx, inst), m.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", inst.callError(err))
	}
	inst.mod = mod
	if w := m.host.watch; w != nil {
		inst.interrupt = mod.ExportedGlobal(guard.InterruptExport).(api.MutableGlobal)
		inst.watch = w
		w.add(inst)
	}
	if err := inst.initialize(m.start, cfg.InitTimeout); err != nil {
		inst.close()
		return nil, err
	}
	for h := range numHooks {
		if m.has[h] {
			inst.fns[h] = mod.ExportedFunction(hookNames[h])
		}
	}
	return inst, nil
}

// initialize runs the start function and _initialize, in the order wasm
// and WASI give them, under deadline d.
func (inst *instance) initialize(start *startFunc, d time.Duration) error {
	if w := inst.watch; w != nil {
		w.begin(inst, d)
	}
	err := inst.runInit(start)
	if w := inst.watch; w != nil && w.end(inst) && err == nil {
		err = fmt.Errorf("_initialize: %w", ErrDeadlineExceeded)
	}
	return err
}

func (inst *instance) runInit(start *startFunc) error {
	if start != nil {
		if _, err := inst.mod.ExportedFunction(guard.StartExport).Call(inst.ctx); err != nil {
			err = inst.callError(err)
			if !errors.Is(err, ErrDeadlineExceeded) {
				// wazero's own wording, as when it runs the start function.
				msg, _ := strings.CutPrefix(err.Error(), "trap: ")
				err = fmt.Errorf("trap: start function[%d] failed: %s", start.index, msg)
			}
			return fmt.Errorf("instantiate: %w", err)
		}
	}
	if init := inst.mod.ExportedFunction("_initialize"); init != nil {
		if _, err := init.Call(inst.ctx); err != nil {
			return fmt.Errorf("_initialize: %w", inst.callError(err))
		}
	}
	return nil
}

// stop ends the running call: the guest traps within guard.FuelPerExit
// loop iterations (package internal/guard) and a sleep in poll_oneoff returns. The
// instance is discarded afterwards, so the flag is never cleared. It runs
// on the watchdog's goroutine while the call runs on another: the store is
// a plain aligned word that the guest's code loads.
func (inst *instance) stop() {
	if inst.stopped.CompareAndSwap(false, true) {
		inst.interrupt.Set(1)
		close(inst.stopCh)
	}
}

// invoke calls hook h with deadline d. A non-nil error means the instance
// is unusable (trap, exit, deadline) and must be closed.
func (inst *instance) invoke(h hookID, d time.Duration) (int32, error) {
	w := inst.watch
	if w != nil {
		w.begin(inst, d)
	}
	err := inst.fns[h].CallWithStack(inst.ctx, inst.stack[:])
	if w != nil && w.end(inst) {
		// The guest was told to stop, whether or not it finished in the
		// meantime.
		return 0, ErrDeadlineExceeded
	}
	if err != nil {
		return 0, inst.callError(err)
	}
	return api.DecodeI32(inst.stack[0]), nil
}

// callExport calls an export that is not a hook (wasmta_hooks) under
// deadline d. An error means the instance must be closed.
func (inst *instance) callExport(name string, d time.Duration) ([]uint64, error) {
	w := inst.watch
	if w != nil {
		w.begin(inst, d)
	}
	res, err := inst.mod.ExportedFunction(name).Call(inst.ctx)
	switch {
	case w != nil && w.end(inst):
		return nil, ErrDeadlineExceeded
	case err != nil:
		return nil, inst.callError(err)
	}
	return res, nil
}

// callError turns an error of a guest call into the fault text of ABI.md
// section 7, without wazero's stack trace. A call stopped by its deadline
// ends in a trap (the interrupt check's unreachable) or, when it slept, in
// whatever the guest does next; both are the deadline.
func (inst *instance) callError(err error) error {
	if inst.stopped.Load() {
		return ErrDeadlineExceeded
	}
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded, sys.ExitCodeContextCanceled:
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
	if inst.watch != nil {
		inst.watch.remove(inst)
	}
	if inst.mod != nil {
		_ = inst.mod.Close(context.Background())
	}
}

// sleep implements the guest's nanosleep (poll_oneoff): it never sleeps
// past the call's deadline and wakes when the instance is stopped, so a
// sleeping guest cannot outlive its deadline. A sleep that reaches the
// deadline stops the call there, without waiting for the watchdog's tick.
func (inst *instance) sleep(ns int64) {
	d := min(time.Duration(ns), inst.maxSleep)
	w := inst.watch
	var dl int64
	if w != nil {
		dl = inst.deadline.Load()
		if dl > 0 {
			d = min(d, time.Duration(dl-w.now()))
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		if dl > 0 && w.now() >= dl && inst.deadline.CompareAndSwap(dl, stoppedDeadline) {
			inst.stop()
		}
	case <-inst.stopCh:
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

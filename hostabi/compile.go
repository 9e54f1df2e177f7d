package hostabi

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
)

// Compilation is bounded three ways (see internal/guard/blocks.go for why
// wazero's time can grow with the square of a function's size):
// Config.MaxModuleSize and Config.MaxFunctionBlocks refuse a module
// before any compilation, and Config.CompileTimeout abandons one that
// runs too long. wazero checks its context only between two functions,
// and only when it compiles with more than one worker, so compile uses
// two and runs wazero on its own goroutine: the caller gets its answer
// at the deadline, and an abandoned compilation keeps the Host's one
// compile slot until wazero returns, so abandoned work never piles up
// (the next Load waits for the slot, within its own deadline).
const compileWorkers = 2

// errCompileTimeout is the cause of a compilation abandoned at
// Config.CompileTimeout.
var errCompileTimeout = errors.New("compilation took longer than the limit")

type compiled struct {
	cm  wazero.CompiledModule
	err error
}

// compile is wazero's CompileModule under Config.CompileTimeout, one at a
// time per Host. A module wazero refuses, or that compiles past the
// deadline, gets an error wrapping ErrInvalidModule.
func (h *Host) compile(ctx context.Context, wasm []byte) (wazero.CompiledModule, error) {
	cctx, cancel := context.WithTimeoutCause(ctx, h.cfg.CompileTimeout, errCompileTimeout)
	defer cancel()
	select {
	case h.compiling <- struct{}{}:
	case <-cctx.Done():
		return nil, h.compileError(cctx, "waiting for another module's compilation")
	}
	done := make(chan compiled, 1)
	go func() {
		defer func() { <-h.compiling }()
		cm, err := h.compileNow(experimental.WithCompilationWorkers(cctx, compileWorkers), wasm)
		done <- compiled{cm, err}
	}()
	select {
	case r := <-done:
		if r.err != nil && cctx.Err() != nil {
			return nil, h.compileError(cctx, "compiling")
		}
		if r.err != nil {
			return nil, invalid("%v", r.err)
		}
		return r.cm, nil
	case <-cctx.Done():
		go func() {
			if r := <-done; r.cm != nil {
				_ = r.cm.Close(context.Background())
			}
		}()
		return nil, h.compileError(cctx, "compiling")
	}
}

// compileError says why cctx ended: the compile deadline (the module is
// refused) or the caller's context.
func (h *Host) compileError(cctx context.Context, doing string) error {
	if cause := context.Cause(cctx); errors.Is(cause, errCompileTimeout) {
		return invalid("%s: %v of %v (policy.compile_timeout)", doing, cause, h.cfg.CompileTimeout)
	}
	return fmt.Errorf("hostabi: %s: %w", doing, cctx.Err())
}

// compileNow is wazero's CompileModule, with a panic turned into an error:
// wazero 1.12's validator indexes the type section with a function
// import's type index before checking it, and a 220-byte module
// (testdata/guard/badimport.wasm) crashed the loading process.
func (h *Host) compileNow(ctx context.Context, wasm []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if r := recover(); r != nil {
			cm, err = nil, fmt.Errorf("wazero panicked compiling it: %v", r)
		}
	}()
	return h.rt.CompileModule(ctx, wasm)
}

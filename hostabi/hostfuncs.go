package hostabi

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"unicode/utf16"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// instanceKey finds the calling instance in the context wazero passes to
// host functions. Every instance has its own long-lived context, so the
// lookup costs no allocation per call.
type instanceKey struct{}

func instanceOf(ctx context.Context) *instance {
	if c, ok := ctx.(*instanceContext); ok {
		return c.inst
	}
	inst, _ := ctx.Value(instanceKey{}).(*instance)
	return inst
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
	f64 = api.ValueTypeF64
)

// hostFunc is one import of module "wasmta" or "env".
type hostFunc struct {
	name    string
	fn      api.GoModuleFunc
	params  []api.ValueType
	results []api.ValueType
}

// wasmtaFuncs are the functions of module "wasmta" (ABI.md 2.1). Each one
// reads its arguments from the stack and writes its status back; none can
// panic on guest input.
var wasmtaFuncs = []hostFunc{
	{"get", fnGet, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	{"get_i64", fnGetI64, []api.ValueType{i32, i32}, []api.ValueType{i64}},
	{"count", fnCount, []api.ValueType{i32, i32}, []api.ValueType{i32}},
	{"get_at", fnGetAt, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}},
	{"set", fnSet, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32}},
	{"set_i64", fnSetI64, []api.ValueType{i32, i32, i64}, []api.ValueType{i32}},
	{"set_f64", fnSetF64, []api.ValueType{i32, i32, f64}, []api.ValueType{i32}},
	{"log", fnLog, []api.ValueType{i32, i32, i32}, []api.ValueType{i32}},
	{"lookup", fnLookup, []api.ValueType{i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}},
}

// envFuncs are what AssemblyScript modules import (ABI.md 2.2).
var envFuncs = []hostFunc{
	{"abort", fnAbort, []api.ValueType{i32, i32, i32, i32}, nil},
	{"trace", fnTrace, []api.ValueType{i32, i32, f64, f64, f64, f64, f64}, nil},
	{"seed", fnSeed, nil, []api.ValueType{f64}},
}

// instantiateHostModule registers funcs as host module name in r.
func instantiateHostModule(ctx context.Context, r wazero.Runtime, name string, funcs []hostFunc) error {
	b := r.NewHostModuleBuilder(name)
	for _, f := range funcs {
		b.NewFunctionBuilder().WithGoModuleFunction(f.fn, f.params, f.results).Export(f.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("hostabi: host module %s: %w", name, err)
	}
	return nil
}

func u32(v uint64) uint32 { return uint32(v) }

func putStatus(stack []uint64, st int32) { stack[0] = api.EncodeI32(st) }

func fnGet(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.get(m.Memory(), u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3])))
}

func fnGetI64(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	s[0] = api.EncodeI64(inst.call.getI64(m.Memory(), u32(s[0]), u32(s[1])))
}

func fnCount(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.count(m.Memory(), u32(s[0]), u32(s[1])))
}

func fnGetAt(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.getAt(m.Memory(), u32(s[0]), u32(s[1]), api.DecodeI32(s[2]), u32(s[3]), u32(s[4])))
}

func fnSet(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.set(m.Memory(), u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3])))
}

func fnSetI64(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.setI64(m.Memory(), u32(s[0]), u32(s[1]), int64(s[2])))
}

func fnSetF64(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.setF64(m.Memory(), u32(s[0]), u32(s[1]), api.DecodeF64(s[2])))
}

var logLevels = [...]slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}

func fnLog(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	level, ptr, n := api.DecodeI32(s[0]), u32(s[1]), u32(s[2])
	if level < 0 || int(level) >= len(logLevels) {
		putStatus(s, inst.call.fail(statusBadArgument, "log", "unknown level %d", level))
		return
	}
	b, ok := m.Memory().Read(ptr, n)
	if !ok {
		putStatus(s, inst.call.fail(statusBadArgument, "log", "message (%d, %d) outside memory", ptr, n))
		return
	}
	inst.logLine(logLevels[level], b)
	putStatus(s, 0)
}

// abortError is the trap raised by env.abort.
type abortError struct{ msg string }

func (e *abortError) Error() string { return e.msg }

// fnAbort traps with AssemblyScript's message. Panicking with an error is
// how a wazero host function traps: wazero recovers it and fails the call.
func fnAbort(ctx context.Context, m api.Module, s []uint64) {
	mem := m.Memory()
	msg, file := asString(mem, u32(s[0])), asString(mem, u32(s[1]))
	panic(&abortError{fmt.Sprintf("abort: %s at %s:%d:%d", msg, file, api.DecodeI32(s[2]), api.DecodeI32(s[3]))})
}

func fnTrace(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	var b strings.Builder
	b.WriteString(asString(m.Memory(), u32(s[0])))
	n := min(max(api.DecodeI32(s[1]), 0), 5)
	for i := int32(0); i < n; i++ {
		fmt.Fprintf(&b, " %v", api.DecodeF64(s[2+i]))
	}
	inst.logLine(slog.LevelDebug, []byte(b.String()))
}

func fnSeed(_ context.Context, _ api.Module, s []uint64) {
	s[0] = api.EncodeF64(float64(rand.Uint64()))
}

// asString decodes an AssemblyScript string (UTF-16LE, byte length in the
// u32 before it), bounded and bounds-checked; "" for 0 or bad pointers.
func asString(mem api.Memory, ptr uint32) string {
	if ptr < 4 {
		return ""
	}
	size, ok := mem.ReadUint32Le(ptr - 4)
	if !ok {
		return "?"
	}
	size = min(size, maxAbortTextLen) &^ 1
	b, ok := mem.Read(ptr, size)
	if !ok {
		return "?"
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(units))
}

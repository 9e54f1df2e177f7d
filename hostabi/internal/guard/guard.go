package guard

import (
	"errors"
	"fmt"
	"strings"
)

// The exports Instrument adds: the host sets the global InterruptExport
// to stop a call, and calls StartExport (the module's start function, when
// it had one) itself.
const (
	InterruptExport = "wasmta:interrupt"
	StartExport     = "wasmta:start"
)

// Section ids of the WebAssembly binary format.
const (
	secCustom    = 0
	secType      = 1
	secImport    = 2
	secFunction  = 3
	secMemory    = 5
	secGlobal    = 6
	secExport    = 7
	secStart     = 8
	secCode      = 10
	secDataCount = 12
	secTag       = 13
)

// FuelPerExit is the number of loop iterations or calls between two exits
// to Go: one exit costs about as much as wazero's per-iteration check, so
// the guard's share of an iteration or a call is a decrement and a
// branch, and a stop-the-world waits for at most this many.
const FuelPerExit = 1000

var errTruncated = errors.New("truncated")

// Module is a module rewritten by Instrument.
type Module struct {
	Wasm     []byte
	HasStart bool   // the start function is exported as StartExport
	Start    uint32 // its function index, for error messages
}

type section struct {
	id   byte
	body []byte
}

// Limits bound the modules Instrument accepts.
type Limits struct {
	// MaxFunctionBlocks refuses a module with a function of more control
	// instructions (block, loop, if, else, br_if, br_table) than this; 0
	// is no limit. The compiler's time grows with their square (see
	// blocks.go).
	MaxFunctionBlocks int
}

// ErrTooComplex wraps the refusal of a module past Limits.
var ErrTooComplex = errors.New("too complex to compile")

// Instrument returns wasm with the guard's checks compiled in. It
// refuses what it cannot parse or what exceeds lim; the runtime validates
// the result.
func Instrument(wasm []byte, lim Limits) (*Module, error) {
	secs, err := splitSections(wasm)
	if err != nil {
		return nil, err
	}
	out := &Module{}
	l, err := survey(secs, out)
	if err != nil {
		return nil, err
	}
	c := newChecks(l, lim)
	dst := append(make([]byte, 0, len(wasm)+len(wasm)/16), wasm[:8]...)
	placed := map[byte]bool{}
	for _, s := range secs {
		// A module without a global or export section gets one where the
		// section order of the binary format wants it.
		if s.id != secCustom {
			for _, id := range []byte{secGlobal, secExport} {
				if !placed[id] && sectionRank(s.id) > sectionRank(id) {
					dst = appendSection(dst, id, rewriteSection(id, nil, l.globals, out))
					placed[id] = true
				}
			}
		}
		if s.id == secGlobal || s.id == secExport {
			placed[s.id] = true
		}
		body, keep, err := transformSection(s, l, c, out)
		if err != nil {
			return nil, err
		}
		if keep {
			dst = appendSection(dst, s.id, body)
		}
	}
	for _, id := range []byte{secGlobal, secExport} {
		if !placed[id] {
			dst = appendSection(dst, id, rewriteSection(id, nil, l.globals, out))
		}
	}
	out.Wasm = dst
	return out, nil
}

// layout is what the rewrite needs to know of a module before it starts.
type layout struct {
	globals   uint32 // the module's own globals: the guard's are numbered from here
	hasMemory bool
	types     uint32 // entries of the type section: the helpers' types come after
	funcs     uint32 // imported and defined functions: the helpers come after
	bodies    uint32 // function bodies to instrument (0: no helpers are added)
}

// survey reads the module's layout, and its start function (recorded in
// out).
func survey(secs []section, out *Module) (l layout, err error) {
	var imported imports
	var definedGlobals, memories, defined uint32
	for _, s := range secs {
		var n *uint32
		switch s.id {
		case secImport:
			if imported, err = countImports(s.body); err != nil {
				return l, fmt.Errorf("import section: %w", err)
			}
			continue
		case secType:
			n = &l.types
		case secFunction:
			n = &defined
		case secMemory:
			n = &memories
		case secGlobal:
			n = &definedGlobals
		case secCode:
			n = &l.bodies
		case secStart:
			n = &out.Start
			out.HasStart = true
		default:
			continue
		}
		if *n, _, err = readU32(s.body); err != nil {
			return l, fmt.Errorf("section %d: %w", s.id, err)
		}
	}
	l.globals = imported.globals + definedGlobals
	l.hasMemory = imported.memories+memories > 0
	l.funcs = imported.funcs + defined
	return l, nil
}

// transformSection returns the new body of s and whether to keep it.
func transformSection(s section, l layout, c checks, out *Module) ([]byte, bool, error) {
	switch s.id {
	case secCustom:
		// DWARF addresses code offsets that the inserted checks shift.
		name, _, err := readName(s.body)
		return s.body, err == nil && !strings.HasPrefix(name, ".debug"), nil
	case secStart:
		return nil, false, nil
	case secGlobal, secExport:
		if s.id == secExport {
			if err := checkExportNames(s.body); err != nil {
				return nil, false, err
			}
		}
		return rewriteSection(s.id, s.body, l.globals, out), true, nil
	case secType, secFunction:
		if l.bodies == 0 {
			return s.body, true, nil
		}
		return appendHelpers(s.id, s.body, l, c), true, nil
	case secCode:
		body, err := instrumentCode(s.body, c)
		if err != nil {
			return nil, false, fmt.Errorf("code section: %w", err)
		}
		return appendHelpers(s.id, body, l, c), true, nil
	}
	return s.body, true, nil
}

// rewriteSection appends the guard's globals to a global section, or the
// export of $interrupt
// (and the start function's) to an export section. body is nil for
// a section the module did not have; it was checked by the caller.
func rewriteSection(id byte, body []byte, g uint32, out *Module) []byte {
	var n uint32
	var rest []byte
	if body != nil {
		var k int
		n, k, _ = readU32(body)
		rest = body[k:]
	}
	switch id {
	case secGlobal:
		dst := appendU32(nil, n+addedGlobals)
		dst = append(dst, rest...)
		// $interrupt, $fuel, $len: (global (mut i32) (i32.const 0))
		for range addedGlobals {
			dst = append(dst, 0x7f, 0x01, 0x41, 0x00, 0x0b)
		}
		return dst
	default:
		add := uint32(1)
		if out.HasStart {
			add++
		}
		dst := appendU32(nil, n+add)
		dst = append(dst, rest...)
		dst = appendName(dst, InterruptExport)
		dst = appendU32(append(dst, 0x03), g)
		if out.HasStart {
			dst = appendName(dst, StartExport)
			dst = appendU32(append(dst, 0x00), out.Start)
		}
		return dst
	}
}

// sectionRank is the position of a known section in the binary format's
// order (the tag section sits between memory and global).
func sectionRank(id byte) int {
	switch id {
	case secTag:
		return 55
	case secDataCount:
		return 95
	}
	return int(id) * 10
}

func splitSections(wasm []byte) ([]section, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return nil, errors.New("not a WebAssembly binary")
	}
	var secs []section
	for b := wasm[8:]; len(b) > 0; {
		id := b[0]
		size, k, err := readU32(b[1:])
		if err != nil || uint64(1+k)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("section %d: %w", id, errTruncated)
		}
		secs = append(secs, section{id, b[1+k : 1+k+int(size)]})
		b = b[1+k+int(size):]
	}
	return secs, nil
}

func appendSection(dst []byte, id byte, body []byte) []byte {
	dst = appendU32(append(dst, id), uint32(len(body)))
	return append(dst, body...)
}

// imports counts the imports that come first in an index space.
type imports struct{ funcs, globals, memories uint32 }

// countImports walks the import section for the imported functions,
// globals and memories.
func countImports(b []byte) (imports, error) {
	var c imports
	n, k, err := readU32(b)
	if err != nil {
		return c, err
	}
	b = b[k:]
	for range n {
		for range 2 { // module and field names
			_, k, err := readName(b)
			if err != nil {
				return c, err
			}
			b = b[k:]
		}
		if len(b) == 0 {
			return c, errTruncated
		}
		switch b[0] {
		case 0x00:
			c.funcs++
		case 0x02:
			c.memories++
		case 0x03:
			c.globals++
		}
		if k, err = importDescLen(b[0], b[1:]); err != nil {
			return c, err
		}
		b = b[1+k:]
	}
	return c, nil
}

// importDescLen is the length of an import's description after its kind.
func importDescLen(kind byte, b []byte) (int, error) {
	switch kind {
	case 0x00: // function: type index
		return lebLen(b, 5)
	case 0x01: // table: reference type, limits
		if len(b) < 1 {
			return 0, errTruncated
		}
		k, err := limitsLen(b[1:])
		return 1 + k, err
	case 0x02: // memory: limits
		return limitsLen(b)
	case 0x03: // global: value type, mutability
		if len(b) < 2 {
			return 0, errTruncated
		}
		return 2, nil
	case 0x04: // tag: attribute, type index
		if len(b) < 1 {
			return 0, errTruncated
		}
		k, err := lebLen(b[1:], 5)
		return 1 + k, err
	}
	return 0, fmt.Errorf("unknown import kind %#x", kind)
}

func limitsLen(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, errTruncated
	}
	flags, i := b[0], 1
	for range 1 + int(flags&1) { // minimum, and the maximum when flagged
		k, err := lebLen(b[i:], 10)
		if err != nil {
			return 0, err
		}
		i += k
	}
	return i, nil
}

// checkExportNames refuses a module that already uses one of the names
// the instrumentation adds.
func checkExportNames(b []byte) error {
	n, k, err := readU32(b)
	if err != nil {
		return fmt.Errorf("export section: %w", err)
	}
	b = b[k:]
	for range n {
		name, k, err := readName(b)
		if err != nil {
			return fmt.Errorf("export section: %w", err)
		}
		if name == InterruptExport || name == StartExport {
			return fmt.Errorf("export name %q is reserved by the host", name)
		}
		b = b[k:]
		if len(b) < 1 {
			return fmt.Errorf("export section: %w", errTruncated)
		}
		if k, err = lebLen(b[1:], 5); err != nil {
			return fmt.Errorf("export section: %w", err)
		}
		b = b[1+k:]
	}
	return nil
}

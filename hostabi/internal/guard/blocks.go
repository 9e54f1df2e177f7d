package guard

// Why a function's checks turn into calls past maxInline, and why
// Limits.MaxFunctionBlocks exists.
//
// wazero's optimising compiler spends time in the square of a function's
// basic blocks: to find loops (subPassLoopDetection) and build the loop
// nesting forest it walks, for every block, the chain of its dominators
// up to the entry, and in straight-line code that chain is every block
// before it. A function of 10,000 empty loops (30 KB) takes it seconds.
// The inline check is an if/else with an if inside: five blocks more per
// loop, which made the same function 30 to 50 times slower to compile
// (47 s against 1.4 s) although the rewrite itself took milliseconds.
//
// A call does not end a basic block. So a function's first maxInline
// checks are inline (a decrement and a branch, what a hot loop should
// pay), and every further one is a call of a helper the rewrite appends
// to the module, $step or $bulk, which holds the same check: the blocks
// the guard adds to one function are bounded, and its share of the
// compile time grows linearly with the module. The helpers are defined
// functions appended after the module's own, and their types appended
// to the type section, so no index the module uses changes.
//
// What remains is the compiler's own square, which the guard cannot
// remove: a module as pushed may hold a function that wazero takes
// minutes to compile, and wazero checks for cancellation only between
// functions. Limits.MaxFunctionBlocks refuses it before compilation.

// maxInline is the number of checks inline in one function body: the Go
// runtime's functions have at most 3 loops, a C library's 53; past it
// each check costs a call.
const maxInline = 128

// Types of the helpers: $step () -> (), $bulk (i32) -> (i32).
var helperTypes = [][]byte{{0x60, 0x00, 0x00}, {0x60, 0x01, 0x7f, 0x01, 0x7f}}

// appendHelpers appends the helpers' entries to a type, function or code
// section body (the code section already instrumented): its count grows
// by two.
func appendHelpers(id byte, body []byte, l layout, c checks) []byte {
	n, k, _ := readU32(body) // read before by survey or instrumentCode
	dst := appendU32(make([]byte, 0, len(body)+len(c.step)+len(c.bulk)+16), n+2)
	dst = append(dst, body[k:]...)
	switch id {
	case secType:
		for _, t := range helperTypes {
			dst = append(dst, t...)
		}
	case secFunction:
		dst = appendU32(appendU32(dst, l.types), l.types+1)
	case secCode:
		step := append(append([]byte{0x00}, c.step...), 0x0b)             // no locals
		bulk := append(append([]byte{0x00, 0x20, 0x00}, c.bulk...), 0x0b) // local.get 0
		for _, f := range [][]byte{step, bulk} {
			dst = append(appendU32(dst, uint32(len(f))), f...)
		}
	}
	return dst
}

// isBlock reports whether op is a control instruction that starts or
// ends a basic block for the compiler: block, loop, if, else, br_if,
// br_table.
func isBlock(op byte) bool {
	return op >= 0x02 && op <= 0x05 || op == 0x0d || op == 0x0e
}

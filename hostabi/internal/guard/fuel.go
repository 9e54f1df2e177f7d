package guard

// The code the deadline guard inserts (see the comment at the top of
// doc.go), for the globals it adds: $interrupt = g, $fuel = g+1 and
// $len = g+2.

// addedGlobals is the number of globals Instrument appends.
const addedGlobals = 3

// bulkShift: a bulk instruction of n bytes (or table elements) costs
// 1 + n>>bulkShift units of fuel, so the guest copies or fills at most
// about FuelPerExit KiB between two exits to Go.
const bulkShift = 10

type checks struct {
	step      []byte // at function entry and at the top of every loop body
	bulk      []byte // before every bulk memory or table instruction
	callStep  []byte // call $step: step as a call, past maxInline in a body
	callBulk  []byte // call $bulk
	globals   uint32 // the module's own globals: the guard's come after
	maxBlocks int    // Limits.MaxFunctionBlocks
}

func newChecks(l layout, lim Limits) checks {
	c := inlineChecks(l.globals, l.hasMemory)
	c.callStep = appendU32([]byte{0x10}, l.funcs)
	c.callBulk = appendU32([]byte{0x10}, l.funcs+1)
	c.maxBlocks = lim.MaxFunctionBlocks
	return c
}

// inlineChecks returns the step and bulk checks for the globals from g.
func inlineChecks(g uint32, hasMemory bool) checks {
	interrupt := appendU32([]byte{0x23}, g) // global.get $interrupt
	interrupt = append(interrupt, 0x04, 0x40, 0x00, 0x0b)
	if !hasMemory {
		// The host refuses such a module; memory.grow would not validate.
		return checks{step: interrupt, bulk: interrupt, globals: g}
	}
	getFuel := appendU32([]byte{0x23}, g+1)
	setFuel := appendU32([]byte{0x24}, g+1)
	// The slow path: refill, leave the native code for Go (memory.grow by
	// 0 pages), trap if the host set $interrupt.
	exit := appendS32(append([]byte{}, 0x41), FuelPerExit)
	exit = append(exit, setFuel...)
	exit = append(exit, 0x41, 0x00, 0x40, 0x00, 0x1a) // drop (memory.grow (i32.const 0))
	exit = append(exit, interrupt...)

	//	if $fuel { $fuel -= 1 } else { exit }
	step := append(append([]byte{}, getFuel...), 0x04, 0x40)
	step = append(append(step, getFuel...), 0x41, 0x01, 0x6b)
	step = append(append(append(step, setFuel...), 0x05), exit...)
	step = append(step, 0x0b)

	// The length operand n is on top of the stack: park it in $len,
	//	if $fuel <u cost { exit } else { $fuel -= cost }
	// with cost = 1 + n>>bulkShift, and put n back.
	getLen := appendU32([]byte{0x23}, g+2)
	cost := append(append([]byte{}, getLen...), 0x41, bulkShift, 0x76, 0x41, 0x01, 0x6a) // shr_u, add
	bulk := appendU32([]byte{0x24}, g+2)
	bulk = append(append(append(bulk, getFuel...), cost...), 0x49, 0x04, 0x40) // lt_u, if
	bulk = append(append(bulk, exit...), 0x05)
	bulk = append(append(append(bulk, getFuel...), cost...), 0x6b) // sub
	bulk = append(append(append(bulk, setFuel...), 0x0b), getLen...)
	return checks{step: step, bulk: bulk, globals: g}
}

// isBulk reports whether b, the rest of a 0xfc instruction, is one whose
// work is proportional to its last operand, a length: memory.init,
// memory.copy, memory.fill, table.init, table.copy, table.grow,
// table.fill. The interpreters run them in one step (memmove for
// memory), so a guest repeating them in straight-line code or recursion
// would otherwise write gigabytes between two checks.
func isBulk(b []byte) bool {
	sub, _, err := readU32(b)
	if err != nil {
		return false
	}
	switch sub {
	case 8, 10, 11, 12, 14, 15, 17:
		return true
	}
	return false
}

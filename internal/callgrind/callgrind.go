// Package callgrind toggles valgrind's callgrind collection from Go, so
// that a benchmark counts the instructions and simulated cache misses of
// the code it names and nothing else. Outside valgrind a toggle is a few
// no-op instructions.
//
// Callgrind's own --toggle-collect=FUNCTION follows calls and returns, and
// loses track when wazero switches to a guest's stack: it then collects
// at the wrong times. A client request toggles the collection itself.
package callgrind

// toggleCollect is callgrind's CALLGRIND_TOGGLE_COLLECT request
// (valgrind/callgrind.h: VG_USERREQ_TOOL_BASE('C','T') + 2).
const toggleCollect = 0x43540000 + 2

// ToggleCollect turns callgrind's collection on or off; run it with
// --collect-atstart=no and toggle around the measured code.
func ToggleCollect() { clientRequest(&[6]uint64{toggleCollect}) }

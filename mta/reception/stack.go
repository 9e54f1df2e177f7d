package reception

// sessionStack is the stack a session's goroutine is given at its start,
// in one growth while the stack is still shallow. A policy call from deep
// in a command (the Guard, wazero, a host function of the module) would
// otherwise grow the goroutine's 8 KiB stack twice, each time copying it
// and adjusting every one of its frames. In CPU profiles of the policy
// scenario (3 runs of 4,000 messages each), runtime.copystack took 15.8 µs
// per message with the Go conformance policy, 10.0 with the C one and 5.8
// with the built-in policy; with this, 3.3 for each. The price is 32 KiB
// of stack per open session; the garbage collector shrinks the stack of
// an idle session again.
const sessionStack = 16 << 10

// growStack makes the calling goroutine's stack at least twice
// sessionStack: the frame of this function needs that much, and the
// runtime doubles the stack until it fits.
//
//go:noinline
func growStack(i int) byte {
	var frame [sessionStack]byte
	frame[i%sessionStack] = byte(i)
	return frame[(i+1)%sessionStack]
}

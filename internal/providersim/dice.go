package providersim

import (
	"math/rand/v2"
	"sync"
	"time"
)

// dice holds a provider's seeded random streams. Jitter, failures and ids
// draw from separate streams so that, for one client sending sequentially,
// the failure sequence does not depend on how many latencies were drawn.
// With concurrent clients the order of draws follows the order of commands,
// so only the distribution, not the exact sequence, is reproducible.
type dice struct {
	mu     sync.Mutex
	jitter *rand.Rand
	fail   *rand.Rand
	ids    *rand.Rand
}

func newDice(seed int64) *dice {
	s := uint64(seed)
	return &dice{
		jitter: rand.New(rand.NewPCG(s, 0x6a09e667f3bcc908)),
		fail:   rand.New(rand.NewPCG(s, 0xbb67ae8584caa73b)),
		ids:    rand.New(rand.NewPCG(s, 0x3c6ef372fe94f82b)),
	}
}

// delay draws d.Fixed plus a uniform value in [0, d.Jitter).
func (x *dice) delay(d Delay) time.Duration {
	if d.Jitter <= 0 {
		return d.Fixed
	}
	x.mu.Lock()
	j := time.Duration(x.jitter.Int64N(int64(d.Jitter)))
	x.mu.Unlock()
	return d.Fixed + j
}

// failNow draws whether a transaction fails, with probability p. It always
// draws, even for p == 0, so that changing one provider's rate never shifts
// the sequence another setting sees.
func (x *dice) failNow(p float64) bool {
	x.mu.Lock()
	v := x.fail.Float64()
	x.mu.Unlock()
	return v < p
}

// id returns a 12-character token like the ones providers append to replies.
func (x *dice) id() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [12]byte
	x.mu.Lock()
	for i := range b {
		b[i] = alphabet[x.ids.IntN(len(alphabet))]
	}
	x.mu.Unlock()
	return string(b[:])
}

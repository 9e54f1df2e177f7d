package bloom

import (
	"fmt"
	"testing"
)

func TestFalsePositives(t *testing.T) {
	b := New(100_000)
	for i := range 100_000 {
		b.Add(fmt.Sprintf("acme\x00in%d@x.example", i))
	}
	fp := 0
	for i := range 100_000 {
		if !b.MayContain(fmt.Sprintf("acme\x00in%d@x.example", i)) {
			t.Fatal("a false negative")
		}
		if b.MayContain(fmt.Sprintf("acme\x00out%d@x.example", i)) {
			fp++
		}
	}
	// 10 bits and 7 probes per entry at its sized capacity: ~0.8%.
	if fp > 2000 {
		t.Errorf("%d false positives in 100000", fp)
	}
	t.Logf("false positives: %d in 100000", fp)
}

package suppress

import (
	"fmt"
	"sync"
	"testing"
)

// TestAddsDuringARebuildStayInTheFilter adds entries while the filter is
// rebuilt again and again: an entry written to the spool after the
// rebuild's scan passed its key, and added to the filter the rebuild then
// replaced, was missing from the new filter, so RCPT let that recipient
// through until the next start. Every entry must be in the filter at the
// end.
func TestAddsDuringARebuildStayInTheFilter(t *testing.T) {
	sp := openSpool(t, t.TempDir())
	s, err := Open(sp)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5000
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := s.rebuild(0); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range n {
		e := Entry{Tenant: "acme", Recipient: fmt.Sprintf("r%d@example.org", i), Reason: ReasonComplaint}
		if _, err := s.add(e, t0, false); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	f := s.filter.Load()
	for i := range n {
		if k := key("acme", fmt.Sprintf("r%d@example.org", i)); !f.MayContain(k) {
			t.Fatalf("entry %d is stored but not in the filter: RCPT would not refuse it", i)
		}
	}
}

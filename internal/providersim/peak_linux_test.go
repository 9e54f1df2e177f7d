package providersim

import (
	"bufio"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// TestPeakWithReconnects runs five senders that each keep one connection
// at a time and reconnect at once after QUIT, half of them closing without
// waiting for the 221 (as Postfix's smtp-source does). The server closes
// each old connection only after the new one may have arrived; it must
// still never count more than five, and never refuse one, whether it
// enforces a limit of five or none.
func TestPeakWithReconnects(t *testing.T) {
	for _, limit := range []int{0, 5} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			p := quiet(t, "generic", fmt.Sprintf("127.0.11.%d", 50+limit))
			p.MaxConnsPerIP = limit
			sim := startSim(t, p)
			fiveSenders(t, sim.Addr("generic"))
			stats := func() IPStats { return sim.Stats()["generic"].PerIP["127.0.0.1"] }
			waitFor(t, "connections to close", func() bool { return stats().ConnsNow == 0 })
			// The peak is at most five; whether all five senders ever
			// overlap is up to the scheduler (four did on a loaded CI run).
			if st := stats(); st.ConnsOpened != 150 || st.ConnsPeak < 1 || st.ConnsPeak > 5 || st.ConnsRefused != 0 {
				t.Fatalf("counters %+v, want 150 opened, peak at most 5, none refused", st.Counters)
			}
		})
	}
}

func fiveSenders(t *testing.T, addr string) {
	var wg sync.WaitGroup
	for w := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				var err error
				if w%2 == 0 {
					err = politeSession(t, addr)
				} else {
					err = abruptSession(addr)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// politeSession sends a message, QUITs and waits for the 221.
func politeSession(t *testing.T, addr string) error {
	c, err := dialFrom(t, "127.0.0.1", addr)
	if err != nil {
		return err
	}
	if _, err := send(c, "a@example.test"); err != nil {
		c.Close()
		return err
	}
	return c.Quit()
}

// abruptSession pipelines EHLO and QUIT and closes without reading the
// replies.
func abruptSession(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		return err
	}
	_, err = c.Write([]byte("EHLO sender.test\r\nQUIT\r\n"))
	return err
}

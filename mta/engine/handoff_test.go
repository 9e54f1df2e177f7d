package engine

import (
	"bufio"
	"net"
	"sync"
	"testing"
	"time"
)

// serveGen answers every connection of ln with its name, until ln ends.
func serveGen(ln net.Listener, name string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte(name + "\n"))
		c.Close()
	}
}

// TestHandoffLosesNoConnection swaps generations while clients connect:
// every connection is answered by one of them, none is dropped, and once
// the old generation is retired only the new one answers.
func TestHandoffLosesNoConnection(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := newHandoff(ln)
	defer h.Close()
	old := h.next()
	go serveGen(old, "old")
	const clients = 200
	answers := make(chan string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		if i == clients/2 {
			next := h.next()
			go serveGen(next, "new")
			old.Close()
		}
		wg.Go(func() {
			c, err := net.DialTimeout("tcp", h.Addr().String(), 5*time.Second)
			if err != nil {
				answers <- "dial: " + err.Error()
				return
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				answers <- "read: " + err.Error()
				return
			}
			answers <- line[:len(line)-1]
		})
	}
	wg.Wait()
	close(answers)
	n := map[string]int{}
	for a := range answers {
		n[a]++
	}
	if n["old"]+n["new"] != clients {
		t.Fatalf("answers %v: want all %d connections answered", n, clients)
	}
	c, err := net.Dial("tcp", h.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "new\n" {
		t.Fatalf("after the swap: %q %v, want new", line, err)
	}
}

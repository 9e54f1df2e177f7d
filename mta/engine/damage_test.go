package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/spooldamage"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/spool"
)

// queueDirect puts n messages to r<i>@example.test straight into the
// spool under dir, as a stopped wasmta leaves them, and flushes them into
// one table.
func queueDirect(t *testing.T, dir string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	putDirect(t, dir, n, func(i int) []byte {
		body := testBody(i) + fmt.Sprintf("%x\r\n", rng.Uint64())
		for range 40 { // about 3 KB that compression cannot shrink
			body += fmt.Sprintf("%016x%016x%016x%016x\r\n", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		return []byte(body)
	})
}

// putDirect puts n messages to r<i>@example.test, with the bodies body
// gives, straight into the spool under dir and flushes them into tables;
// it returns their IDs, in order.
func putDirect(t *testing.T, dir string, n int, body func(i int) []byte) []message.ID {
	t.Helper()
	path := filepath.Join(dir, "spool")
	st, err := spool.Open(path, spool.Options{BallastBytes: -1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Scan(context.Background(), func(*message.Message, []message.RcptState) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ids := make([]message.ID, n)
	for i := range n {
		b := body(i)
		m := &message.Message{ID: message.NewID(time.Now()), Sender: "s@sender.test", ReceivedAt: time.Now(),
			Recipients: []message.Recipient{{Addr: fmt.Sprintf("r%d@example.test", i)}}, Size: int64(len(b)),
			Peer: "127.0.0.1:1", Helo: "client.test", Protocol: "ESMTP"}
		if err := st.Put(context.Background(), m, b); err != nil {
			t.Fatal(err)
		}
		ids[i] = m.ID
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := spooldamage.Flush(path); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestDamagedSpoolDeliversTheRest damages one data block of a queued
// spool's table, then starts wasmta on it twice: the first start reports
// what is lost (a SpoolLoss record) or quarantines what cannot be read (a
// Quarantine record per message), delivers every other message, and the
// second start finds a clean, empty spool: no crash, no crash loop.
func TestDamagedSpoolDeliversTheRest(t *testing.T) {
	t.Parallel()
	const n = 80
	tests := []struct {
		name  string
		block int // data block damaged: 0 holds bodies, the last envelopes
		lost  bool
	}{
		{"bodies", 0, false},
		{"envelopes", -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			queueDirect(t, dir, n)
			tables, err := spooldamage.Files(filepath.Join(dir, "spool"), ".sst")
			if err != nil || len(tables) != 1 {
				t.Fatalf("tables %v, %v; want one", tables, err)
			}
			if _, err := spooldamage.Damage(tables[0], tt.block); err != nil {
				t.Fatal(err)
			}
			sink := testsink.Start(t, testsink.Options{})
			e, rec, _ := startAt(t, dir, routeTo(sink), Options{})
			waitSpoolEmpty(t, e)
			if st := e.Spool().Stats(); st.Corruptions == 0 {
				t.Errorf("Stats() = %+v: the damage was not counted", st)
			}
			// The records reach rec from the records writer's goroutine,
			// after the spool empties: Close passes on every one queued.
			// (Read before, a loaded machine showed 65 Delivery records for
			// the sink's 79 messages, or no SpoolLoss record yet.)
			e.Close()
			delivered, quarantined := rec.Count(events.Delivery), rec.Count(events.Quarantine)
			if delivered == 0 || delivered == n || sink.Count() != delivered {
				t.Fatalf("%d of %d delivered (sink saw %d): want all but the damaged ones", delivered, n, sink.Count())
			}
			if tt.lost == (quarantined != 0) {
				t.Errorf("%d quarantined: want them only when bodies were damaged", quarantined)
			}
			losses := rec.All(events.SpoolLoss)
			if lost := strconv.Itoa(n - delivered - quarantined); len(losses) != 1 || losses[0].Meta["lost"] != lost {
				t.Errorf("SpoolLoss records %+v, want one saying %s lost", losses, lost)
			}
			t.Logf("%d delivered, %d quarantined, %d reported lost", delivered, quarantined, n-delivered-quarantined)

			e2, rec2, _ := startAt(t, dir, routeTo(sink), Options{})
			e2.Close() // every record of the start passed on
			if e2.rebuilt != 0 || rec2.Count(events.SpoolLoss) != 0 {
				t.Errorf("second start: %d messages queued, %d SpoolLoss records; want a clean empty spool",
					e2.rebuilt, rec2.Count(events.SpoolLoss))
			}
		})
	}
}

// TestDamagedLargeBodyStartsBounded damages the block of a 4 MiB body in a
// queued spool's table and starts wasmta on it. Pebble, reading a damaged
// block, searches it for a flipped bit at about 17 s of CPU per MiB, and
// the start read it three times (the table check, the repair's read
// forward and backward): this start took minutes. Now the check finds the
// damaged block once and nothing reads it again: the start takes what a
// healthy one takes, the SpoolLoss record names the damaged table, the
// message whose body was lost leaves the queues with a Quarantine record
// saying so, and the others are delivered.
func TestDamagedLargeBodyStartsBounded(t *testing.T) {
	const n, size = 20, 4 << 20
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	big := putDirect(t, dir, n, func(i int) []byte {
		body := []byte(testBody(i))
		for i == 0 && len(body) < size { // the first ID: its body is the first data block
			body = fmt.Appendf(body, "%016x%016x%016x%016x\r\n", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		return body
	})[0]
	path := filepath.Join(dir, "spool")
	tables, err := spooldamage.Files(path, ".sst")
	if err != nil || len(tables) == 0 {
		t.Fatalf("tables %v, %v", tables, err)
	}
	largest, largestSize := "", int64(0) // the one holding the large body
	for _, tb := range tables {
		if fi, err := os.Stat(tb); err == nil && fi.Size() > largestSize {
			largest, largestSize = tb, fi.Size()
		}
	}
	b, err := spooldamage.Damage(largest, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b.Length < size/2 {
		t.Fatalf("damaged block 0 of %d is %d bytes: not the large body", b.Blocks, b.Length)
	}
	t.Logf("damaged block 0 of %d: %d bytes", b.Blocks, b.Length)

	sink := testsink.Start(t, testsink.Options{})
	t0 := time.Now()
	e, rec, _ := startAt(t, dir, routeTo(sink), Options{}) // returns once the queues are rebuilt
	took := time.Since(t0)
	t.Logf("start with the damaged %d-byte block: %v to queues rebuilt", b.Length, took)
	if took > time.Minute {
		t.Fatalf("the start took %v with a damaged %d-byte block: not bounded", took, b.Length)
	}
	rec.WaitFor(t, events.Quarantine, 1, 30*time.Second)
	rec.WaitFor(t, events.Delivery, n-1, 30*time.Second)
	waitSpoolEmpty(t, e)
	q := rec.All(events.Quarantine)
	if len(q) != 1 || q[0].ID != big.String() || !strings.Contains(q[0].Reason, "body") {
		t.Fatalf("Quarantine records %+v: want one for %s saying its body was lost", q, big)
	}
	losses := rec.All(events.SpoolLoss)
	if len(losses) != 1 || losses[0].Meta["damaged_ranges"] == "0" {
		t.Fatalf("SpoolLoss records %+v: want one naming the damaged table", losses)
	}
	t.Logf("quarantined: %s; loss: %s", q[0].Reason, losses[0].Reason)
}

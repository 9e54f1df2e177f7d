package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
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
	path := filepath.Join(dir, "spool")
	st, err := spool.Open(path, spool.Options{BallastBytes: -1, MinFreeBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Scan(context.Background(), func(*message.Message, []message.RcptState) error { return nil }); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		body := testBody(i) + fmt.Sprintf("%x\r\n", rng.Uint64())
		for range 40 { // about 3 KB that compression cannot shrink
			body += fmt.Sprintf("%016x%016x%016x%016x\r\n", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
		}
		m := &message.Message{ID: message.NewID(time.Now()), Sender: "s@sender.test", ReceivedAt: time.Now(),
			Recipients: []message.Recipient{{Addr: fmt.Sprintf("r%d@example.test", i)}}, Size: int64(len(body)),
			Peer: "127.0.0.1:1", Helo: "client.test", Protocol: "ESMTP"}
		if err := st.Put(context.Background(), m, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := spooldamage.Flush(path); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedSpoolDeliversTheRest damages one data block of a queued
// spool's table, then starts wasmta on it twice: the first start reports
// what is lost (a SpoolLoss record) or quarantines what cannot be read (a
// Quarantine record per message), delivers every other message, and the
// second start finds a clean, empty spool: no crash, no crash loop.
func TestDamagedSpoolDeliversTheRest(t *testing.T) {
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
			if st := e.Spool().Stats(); st.Corruptions == 0 {
				t.Errorf("Stats() = %+v: the damage was not counted", st)
			}
			t.Logf("%d delivered, %d quarantined, %d reported lost", delivered, quarantined, n-delivered-quarantined)
			e.Close()

			e2, rec2, _ := startAt(t, dir, routeTo(sink), Options{})
			if e2.rebuilt != 0 || rec2.Count(events.SpoolLoss) != 0 {
				t.Errorf("second start: %d messages queued, %d SpoolLoss records; want a clean empty spool",
					e2.rebuilt, rec2.Count(events.SpoolLoss))
			}
		})
	}
}

package spool

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/wasmta/wasmta/mta/message"
)

func TestScanOrderAndStates(t *testing.T) {
	s := openTemp(t)
	base := time.Now()
	var msgs []*message.Message
	// Put in reverse age order: Scan must still return oldest first.
	for i := 9; i >= 0; i-- {
		m := newMessage(i, 1+i%3)
		m.ReceivedAt = base.Add(time.Duration(i) * time.Second)
		m.ID = message.NewID(m.ReceivedAt)
		mustPut(t, s, m)
		msgs = append([]*message.Message{m}, msgs...)
	}
	deferred := message.RcptState{Status: message.Deferred, Attempts: 2, Due: base.Add(time.Hour),
		Last: message.Response{Code: 451, Text: "later"}}
	if err := s.SetStates(msgs[5].ID, []int{1}, []message.RcptState{deferred}, false); err != nil {
		t.Fatal(err)
	}
	i := 0
	err := s.Scan(context.Background(), func(m *message.Message, st []message.RcptState) error {
		want := msgs[i]
		i++
		if !sameMessage(m, want) {
			t.Fatalf("Scan message %d = %s, want %s", i-1, m.ID, want.ID)
		}
		if len(st) != len(want.Recipients) {
			t.Fatalf("Scan %s: %d states for %d recipients", m.ID, len(st), len(want.Recipients))
		}
		for r := range st {
			exp := message.RcptState{Status: message.Pending, Due: want.ReceivedAt}
			if want.ID == msgs[5].ID && r == 1 {
				exp = deferred
			}
			if !sameState(st[r], exp) {
				t.Errorf("Scan %s state %d = %+v, want %+v", m.ID, r, st[r], exp)
			}
		}
		return nil
	})
	if err != nil || i != len(msgs) {
		t.Fatalf("Scan: %v after %d of %d messages", err, i, len(msgs))
	}
}

func TestScanStops(t *testing.T) {
	s := openTemp(t)
	for i := range 5 {
		mustPut(t, s, newMessage(i, 1))
	}
	stop := errors.New("stop")
	calls := 0
	err := s.Scan(context.Background(), func(*message.Message, []message.RcptState) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Scan with a failing callback: %v after %d calls, want stop after 1", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls = 0
	err = s.Scan(ctx, func(*message.Message, []message.RcptState) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Errorf("Scan with a cancelled context: %v after %d calls", err, calls)
	}
}

// TestScanSurvivesDamage writes what a bug or a crash between two writes
// could leave: states without an envelope, an envelope that does not decode,
// a state that does not decode. Scan must deliver everything else.
func TestScanSurvivesDamage(t *testing.T) {
	s := openTemp(t)
	good := newMessage(1, 2)
	mustPut(t, s, good)
	orphan := message.NewID(time.Now())
	bad := message.NewID(time.Now())
	raw := []struct{ key, val []byte }{
		{stateKey(orphan, 0), encodeState(nil, message.RcptState{Status: message.Deferred})},
		{idKey(prefixMessage, bad), []byte{messageV1, 7, 7}},
		{stateKey(good.ID, 1), []byte{stateV1, 99}},
	}
	for _, kv := range raw {
		if err := s.db.Set(kv.key, kv.val, pebble.Sync); err != nil {
			t.Fatal(err)
		}
	}
	var seen []message.ID
	err := s.Scan(context.Background(), func(m *message.Message, st []message.RcptState) error {
		seen = append(seen, m.ID)
		if st[1].Status != message.Pending {
			t.Errorf("unreadable state came back as %+v, want pending", st[1])
		}
		return nil
	})
	if err != nil || len(seen) != 1 || seen[0] != good.ID {
		t.Fatalf("Scan saw %v (err %v), want only %s", seen, err, good.ID)
	}
	if _, _, err := s.db.Get(stateKey(orphan, 0)); !errors.Is(err, pebble.ErrNotFound) {
		t.Errorf("orphan state still there after Scan: %v", err)
	}
}

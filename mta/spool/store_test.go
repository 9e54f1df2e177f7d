package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// testOptions keep the ballast small: every test opens a real store.
func testOptions() Options {
	return Options{BallastBytes: 1 << 20, Logger: slog.New(slog.DiscardHandler)}
}

func openTest(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func openTemp(t testing.TB) *Store {
	s := openTest(t, t.TempDir(), testOptions())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func newMessage(i, rcpts int) *message.Message {
	now := time.Now()
	m := &message.Message{
		ID: message.NewID(now), Tenant: "acme", Campaign: fmt.Sprintf("c%d", i%3),
		Sender: fmt.Sprintf("bounce-%d@acme.example", i), ReceivedAt: now,
		Peer: "127.0.0.1:40000", Helo: "client.example", Protocol: "ESMTP",
		Meta: map[string]string{"n": fmt.Sprint(i)},
	}
	for r := range rcpts {
		m.Recipients = append(m.Recipients, message.Recipient{Addr: fmt.Sprintf("user%d@dom%d.example", r, r%4)})
	}
	m.Size = int64(len(bodyFor(m.ID, 4096)))
	return m
}

// bodyFor derives a body from the ID so a reader can check what it got
// without remembering what was written. It is random-looking so that
// compression cannot shrink it: the full-disk tests count on its size.
func bodyFor(id message.ID, size int) []byte {
	var seed [32]byte
	copy(seed[:], id[:])
	b := make([]byte, size)
	_, _ = rand.NewChaCha8(seed).Read(b)
	return b
}

func mustPut(t testing.TB, s *Store, m *message.Message) {
	t.Helper()
	if err := s.Put(context.Background(), m, bodyFor(m.ID, int(m.Size))); err != nil {
		t.Fatalf("Put %s: %v", m.ID, err)
	}
}

// checkStored asserts that m and its body are in s, as written.
func checkStored(t testing.TB, s *Store, m *message.Message) {
	t.Helper()
	got, err := s.Message(m.ID)
	if err != nil {
		t.Fatalf("Message %s: %v", m.ID, err)
	}
	if !sameMessage(got, m) {
		t.Fatalf("Message %s = %+v, want %+v", m.ID, got, m)
	}
	body, err := s.Body(m.ID)
	if err != nil {
		t.Fatalf("Body %s: %v", m.ID, err)
	}
	if !bytes.Equal(body, bodyFor(m.ID, int(m.Size))) {
		t.Fatalf("Body %s: %d bytes, not what was written", m.ID, len(body))
	}
}

func TestPutThenRead(t *testing.T) {
	s := openTemp(t)
	m := newMessage(1, 3)
	mustPut(t, s, m)
	checkStored(t, s, m)
	st, err := s.States(m.ID, len(m.Recipients))
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	for i, x := range st {
		if x.Status != message.Pending || x.Attempts != 0 || !x.Due.Equal(m.ReceivedAt) {
			t.Errorf("state %d of a fresh message = %+v, want pending due at reception", i, x)
		}
	}
}

// foreignMessage is a message whose ID another process minted, as an ID
// read back from elsewhere would be: Put checks it is not stored yet.
func foreignMessage(i, rcpts int) *message.Message {
	m := newMessage(i, rcpts)
	m.ID[8] ^= 0xff // another random prefix
	m.Size = int64(len(bodyFor(m.ID, 4096)))
	return m
}

func TestPutRefuses(t *testing.T) {
	s := openTemp(t)
	m := foreignMessage(1, 1)
	mustPut(t, s, m)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tooMany := newMessage(2, 1)
	tooMany.Recipients = make([]message.Recipient, maxRcpts+1)
	tests := []struct {
		name string
		ctx  context.Context
		m    *message.Message
	}{
		{"duplicate id from another process", context.Background(), m},
		{"no id", context.Background(), &message.Message{Recipients: m.Recipients}},
		{"no recipients", context.Background(), &message.Message{ID: message.NewID(time.Now())}},
		{"too many recipients", context.Background(), tooMany},
		{"cancelled context", cancelled, newMessage(3, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Put(tt.ctx, tt.m, []byte("x")); err == nil {
				t.Fatal("Put succeeded")
			}
		})
	}
	checkStored(t, s, m) // the refused duplicate did not overwrite it
}

func TestMissingIsNotFound(t *testing.T) {
	s := openTemp(t)
	id := message.NewID(time.Now())
	if _, err := s.Message(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Message: %v, want ErrNotFound", err)
	}
	if _, err := s.Body(id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Body: %v, want ErrNotFound", err)
	}
	if _, err := s.States(id, 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("States: %v, want ErrNotFound", err)
	}
	if err := s.Delete(id); err != nil {
		t.Errorf("Delete of a missing message: %v", err)
	}
}

func TestSetStates(t *testing.T) {
	s := openTemp(t)
	m := newMessage(1, 4)
	mustPut(t, s, m)
	due := time.Now().Add(20 * time.Minute)
	deferred := message.RcptState{Status: message.Deferred, Attempts: 1, Due: due,
		Last: message.Response{Code: 451, Enhanced: "4.7.1", Text: "try later"}}
	bounced := message.RcptState{Status: message.Bounced, Attempts: 1,
		Last: message.Response{Code: 550, Enhanced: "5.1.1", Text: "no such user"}}
	if err := s.SetStates(m.ID, []int{1, 3}, []message.RcptState{deferred, bounced}, false); err != nil {
		t.Fatalf("SetStates: %v", err)
	}
	delivered := message.RcptState{Status: message.Delivered, Attempts: 2, Last: message.Response{Code: 250, Text: "ok"}}
	if err := s.SetStates(m.ID, []int{1}, []message.RcptState{delivered}, true); err != nil {
		t.Fatalf("SetStates: %v", err)
	}
	got, err := s.States(m.ID, 4)
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	pending := message.RcptState{Status: message.Pending, Due: m.ReceivedAt}
	want := []message.RcptState{pending, delivered, pending, bounced}
	for i := range want {
		if !sameState(got[i], want[i]) {
			t.Errorf("state %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for _, bad := range [][]int{{-1}, {maxRcpts}} {
		if err := s.SetStates(m.ID, bad, []message.RcptState{pending}, false); err == nil {
			t.Errorf("SetStates(%v) succeeded", bad)
		}
	}
	if err := s.SetStates(m.ID, []int{0, 1}, []message.RcptState{pending}, false); err == nil {
		t.Error("SetStates with more indexes than states succeeded")
	}
}

// TestDelete deletes messages minted by this process and by another, with
// and without recipient states (Delete reads only for the ones that may
// have states), and checks that nothing of them is left.
func TestDelete(t *testing.T) {
	tests := []struct {
		name    string
		message func(i, rcpts int) *message.Message
		states  bool
	}{
		{"minted here, with states", newMessage, true},
		{"minted here, no state", newMessage, false},
		{"from another process, with states", foreignMessage, true},
		{"from another process, no state", foreignMessage, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			keep, gone := tt.message(1, 2), tt.message(2, 2)
			mustPut(t, s, keep)
			mustPut(t, s, gone)
			st := message.RcptState{Status: message.Deferred, Attempts: 1, Due: time.Now()}
			if err := s.SetStates(keep.ID, []int{0}, []message.RcptState{st}, false); err != nil {
				t.Fatal(err)
			}
			if tt.states {
				if err := s.SetStates(gone.ID, []int{0, 1}, []message.RcptState{st, st}, false); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Delete(gone.ID); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			checkOnly(t, s, keep)
		})
	}
}

// checkOnly asserts that keep, with one state key, is all s holds.
func checkOnly(t *testing.T, s *Store, keep *message.Message) {
	t.Helper()
	var seen []message.ID
	err := s.Scan(context.Background(), func(m *message.Message, _ []message.RcptState) error {
		seen = append(seen, m.ID)
		return nil
	})
	if err != nil || len(seen) != 1 || seen[0] != keep.ID {
		t.Fatalf("Scan after Delete saw %v (err %v), want only %s", seen, err, keep.ID)
	}
	for _, prefix := range [][]byte{prefixMessage, prefixBody, prefixState} {
		if n := countKeys(t, s, prefix); n != 1 {
			t.Errorf("%d %q keys after Delete, want 1 (the kept message's)", n, prefix)
		}
	}
	checkStored(t, s, keep)
}

func countKeys(t testing.TB, s *Store, prefix []byte) int {
	t.Helper()
	it, err := s.db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for it.SeekGE(prefix); it.Valid() && bytes.HasPrefix(it.Key(), prefix); it.Next() {
		n++
	}
	return n
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, testOptions())
	var msgs []*message.Message
	for i := range 50 {
		m := newMessage(i, 1+i%3)
		mustPut(t, s, m)
		msgs = append(msgs, m)
	}
	st := message.RcptState{Status: message.Deferred, Attempts: 3, Due: time.Now().Add(time.Hour),
		Last: message.Response{Code: 421, Text: "busy"}}
	if err := s.SetStates(msgs[7].ID, []int{0}, []message.RcptState{st}, true); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAux("outbox", []byte("k"), []byte("v"), true); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	if _, err := s.Message(msgs[0].ID); !errors.Is(err, ErrClosed) {
		t.Errorf("Message after Close: %v, want ErrClosed", err)
	}
	s = openTest(t, dir, testOptions())
	defer s.Close()
	for _, m := range msgs {
		checkStored(t, s, m)
	}
	got, err := s.States(msgs[7].ID, 1)
	if err != nil || !sameState(got[0], st) {
		t.Errorf("state after reopen = %+v (err %v), want %+v", got, err, st)
	}
	if v, err := s.GetAux("outbox", []byte("k")); err != nil || string(v) != "v" {
		t.Errorf("aux after reopen = %q (err %v), want v", v, err)
	}
}

func TestConcurrentPuts(t *testing.T) {
	s := openTemp(t)
	const writers, each = 16, 40
	msgs := make([][]*message.Message, writers)
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				m := newMessage(w*each+i, 2)
				if err := s.Put(context.Background(), m, bodyFor(m.ID, int(m.Size))); err != nil {
					errs <- err
					return
				}
				msgs[w] = append(msgs[w], m)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Put: %v", err)
	}
	for _, ms := range msgs {
		for _, m := range ms {
			checkStored(t, s, m)
		}
	}
	if st := s.Stats(); st.Puts != writers*each || st.WALSyncs == 0 || st.WALSyncs > st.Puts {
		t.Errorf("Stats = %+v: want %d puts covered by 1..%d WAL syncs", st, writers*each, writers*each)
	}
}

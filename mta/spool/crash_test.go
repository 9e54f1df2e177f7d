package spool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/wasmta/wasmta/mta/message"
)

// The crash tests re-run this test binary as a child that writes to a spool
// and prints each acknowledged ID; TestMain sends the child to its role.
const (
	childModeEnv = "SPOOL_TEST_CHILD"
	childDirEnv  = "SPOOL_TEST_DIR"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childModeEnv) {
	case "":
		os.Exit(m.Run())
	case "put":
		childPut(os.Getenv(childDirEnv), Options{}, 16)
	case "walfail":
		childWALFail(os.Getenv(childDirEnv))
	}
	os.Exit(3) // the child ran out of messages before being stopped
}

// childPut writes messages from concurrent writers and prints the ID of
// every Put that returned nil, until the parent kills it.
func childPut(dir string, o Options, writers int) {
	o.BallastBytes = 1 << 20
	s, err := Open(dir, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range 20000 {
				m := newMessage(w*20000+i, 1+i%3)
				if err := s.Put(context.Background(), m, bodyFor(m.ID, int(m.Size))); err != nil {
					fmt.Fprintln(os.Stderr, "put:", err)
					return
				}
				mu.Lock()
				fmt.Printf("%s %d\n", m.ID, len(m.Recipients)) // one write(2): the parent sees whole lines
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// childWALFail makes WAL syncs fail with EIO once 50 Puts are acknowledged:
// the child must exit rather than go on with a WAL it cannot trust.
func childWALFail(dir string) {
	var acked atomic.Int64
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if acked.Load() >= 50 && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData) &&
			strings.HasSuffix(op.Path, ".log") {
			return syscall.EIO
		}
		return nil
	})
	o := Options{FS: errorfs.Wrap(vfs.Default, inj)}
	countingStdout := &ackCounter{n: &acked}
	os.Stdout = countingStdout.pipe()
	childPut(dir, o, 4)
}

// ackCounter counts the lines the child prints, that is its acknowledged
// Puts, and passes them on to the real stdout.
type ackCounter struct{ n *atomic.Int64 }

func (a *ackCounter) pipe() *os.File {
	r, w, err := os.Pipe()
	if err != nil {
		panic(err)
	}
	out := os.Stdout
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
			a.n.Add(1)
		}
	}()
	return w
}

type child struct {
	cmd    *exec.Cmd
	acks   chan string
	stderr strings.Builder
	done   chan struct{}
}

// killAfter waits for n acknowledgements of the child (at most 20 s),
// kills it and returns them.
func (c *child) killAfter(t *testing.T, n int) []string {
	t.Helper()
	var acks []string
	timeout := time.After(20 * time.Second)
	for len(acks) < n {
		select {
		case a, ok := <-c.acks:
			if !ok {
				t.Fatalf("child ended after %d acks: %s", len(acks), c.stderr.String())
			}
			acks = append(acks, a)
		case <-timeout:
			t.Fatalf("only %d acks in 20 s", len(acks))
		}
	}
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	return acks
}

func startChild(t *testing.T, mode, dir string) *child {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childModeEnv+"="+mode, childDirEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, acks: make(chan string, 1<<16), done: make(chan struct{})}
	cmd.Stderr = &c.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.done)
		c.readAcks(out)
	}()
	return c
}

func (c *child) readAcks(out io.Reader) {
	defer close(c.acks)
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		c.acks <- sc.Text()
	}
}

// collect waits for the child to end and returns every ack it printed.
func (c *child) collect(t *testing.T, seen []string) ([]string, error) {
	for a := range c.acks {
		seen = append(seen, a)
	}
	<-c.done
	return seen, c.cmd.Wait()
}

// checkAcked reopens the spool and checks every acknowledged message.
func checkAcked(t *testing.T, dir string, acks []string) {
	s := openTest(t, dir, testOptions())
	defer s.Close()
	want := map[message.ID]int{}
	for _, a := range acks {
		var hex string
		var n int
		if _, err := fmt.Sscan(a, &hex, &n); err != nil {
			t.Fatalf("bad ack line %q: %v", a, err)
		}
		id, err := message.ParseID(hex)
		if err != nil {
			t.Fatal(err)
		}
		want[id] = n
	}
	err := s.Scan(context.Background(), func(m *message.Message, st []message.RcptState) error {
		if n, ok := want[m.ID]; ok && n == len(st) {
			delete(want, m.ID)
			checkStored(t, s, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) > 0 {
		t.Fatalf("%d of %d acknowledged messages lost", len(want), len(acks))
	}
}

// TestCrashKeepsAcknowledgedPuts kills a writing child with SIGKILL at
// several points; every Put that had returned nil must be there after
// reopening, body included.
func TestCrashKeepsAcknowledgedPuts(t *testing.T) {
	for _, killAt := range []int{1, 150, 700} {
		t.Run(fmt.Sprintf("after %d acks", killAt), func(t *testing.T) {
			dir := t.TempDir()
			c := startChild(t, "put", dir)
			acks := c.killAfter(t, killAt)
			acks, err := c.collect(t, acks)
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child did not die of SIGKILL: %v", err)
			}
			checkAcked(t, dir, acks)
			t.Logf("killed after %d acks; all there after reopen", len(acks))
		})
	}
}

// TestWALFailureExits makes the WAL fail under a writing child: the child
// must exit with status 1, saying why, and every Put it acknowledged before
// must be there after reopening.
func TestWALFailureExits(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, "walfail", dir)
	acks, err := c.collect(t, nil)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("child ended with %v, want exit status 1; stderr:\n%s", err, c.stderr.String())
	}
	if !strings.Contains(c.stderr.String(), "fatal storage error") {
		t.Errorf("child's last words do not say why:\n%s", c.stderr.String())
	}
	if len(acks) < 50 {
		t.Fatalf("child acknowledged %d Puts, want at least the 50 before the failure", len(acks))
	}
	checkAcked(t, dir, acks)
}

// TestPowerLossKeepsAcknowledgedPuts is the stricter cousin of the SIGKILL
// test: a killed process leaves its unsynced writes in the page cache, a
// power cut does not. On a crashable in-memory filesystem, clones taken
// while writers run hold only what was synced (and, in the second case, a
// random part of what was not); every acknowledged Put and every synced
// SetStates must be in each clone.
func TestPowerLossKeepsAcknowledgedPuts(t *testing.T) {
	for _, unsynced := range []int{0, 50} {
		t.Run(fmt.Sprintf("%d%% of unsynced data kept", unsynced), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			o := Options{FS: fs, MinFreeBytes: -1, BallastBytes: -1, Logger: testOptions().Logger}
			s := openTest(t, "spool", o)
			w := startWriters(s, 8)
			for _, at := range []int{50, 400} {
				acked := w.waitAcked(t, at)
				clone := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: unsynced, RNG: rand.New(rand.NewPCG(uint64(at), 1))})
				checkClone(t, clone, o, acked)
			}
			w.stop()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// writers Put messages and mark every other one bounced with a synced
// SetStates, recording what was acknowledged.
type writers struct {
	mu    sync.Mutex
	acked []ack
	quit  chan struct{}
	wg    sync.WaitGroup
	err   atomic.Value
}

// ack is a message whose Put returned nil; bounced says a synced SetStates
// marked its second recipient bounced.
type ack struct {
	m       *message.Message
	bounced bool
}

var bounced = message.RcptState{Status: message.Bounced, Attempts: 1, Last: message.Response{Code: 550, Text: "no"}}

func startWriters(s *Store, n int) *writers {
	w := &writers{quit: make(chan struct{})}
	for g := range n {
		w.wg.Go(func() { w.run(s, g) })
	}
	return w
}

func (w *writers) run(s *Store, g int) {
	for i := 0; ; i++ {
		select {
		case <-w.quit:
			return
		default:
		}
		m := newMessage(g*1e6+i, 2)
		err := s.Put(context.Background(), m, bodyFor(m.ID, int(m.Size)))
		if err == nil && i%2 == 1 {
			err = s.SetStates(m.ID, []int{1}, []message.RcptState{bounced}, true)
		}
		if err != nil {
			w.err.Store(err)
			return
		}
		w.mu.Lock()
		w.acked = append(w.acked, ack{m, i%2 == 1})
		w.mu.Unlock()
	}
}

func (w *writers) waitAcked(t *testing.T, n int) []ack {
	deadline := time.Now().Add(20 * time.Second)
	for {
		w.mu.Lock()
		acked := append([]ack(nil), w.acked...)
		w.mu.Unlock()
		if err, _ := w.err.Load().(error); err != nil {
			t.Fatalf("writer: %v", err)
		}
		if len(acked) >= n {
			return acked
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d acks in 20 s", len(acked))
		}
		time.Sleep(time.Millisecond)
	}
}

func (w *writers) stop() {
	close(w.quit)
	w.wg.Wait()
}

func checkClone(t *testing.T, clone *vfs.MemFS, o Options, acked []ack) {
	o.FS = clone
	s := openTest(t, "spool", o)
	defer s.Close()
	for _, a := range acked {
		checkStored(t, s, a.m)
		st, err := s.States(a.m.ID, 2)
		if err != nil {
			t.Fatal(err)
		}
		if a.bounced && !sameState(st[1], bounced) {
			t.Fatalf("synced bounce of %s lost: %+v", a.m.ID, st[1])
		}
	}
}

// TestOfflineToolsReadAKilledSpool kills a writing child: its last WAL
// ends with walFillFS's zeros after the last record it wrote. The offline
// check (wasmta spool check) and salvage read the spool as the next start
// would: no damage, every acknowledged message found.
func TestOfflineToolsReadAKilledSpool(t *testing.T) {
	dir := t.TempDir()
	c := startChild(t, "put", dir)
	acks := c.killAfter(t, 300)
	acks, _ = c.collect(t, acks)
	wals := files(t, dir, ".log")
	last := wals[len(wals)-1]
	fi, err := os.Stat(last)
	if err != nil {
		t.Fatal(err)
	}
	if w := walWritten(t, last); fi.Size() <= w {
		t.Fatalf("the last WAL holds %d bytes, %d written: no zeros ahead", fi.Size(), w)
	}
	off, err := OpenOffline(dir, Options{Logger: testOptions().Logger})
	if err != nil {
		t.Fatal(err)
	}
	r, err := off.Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.DamagedTables) != 0 || r.Undecodable != 0 || r.Envelopes < int64(len(acks)) {
		t.Fatalf("check of a killed spool: %+v; want no damage and the %d acknowledged", r, len(acks))
	}
	res, err := off.Salvage(t.TempDir())
	if err = errors.Join(err, off.Close()); err != nil {
		t.Fatal(err)
	}
	t.Logf("check: %d envelopes, %d acknowledged; salvage: %+v", r.Envelopes, len(acks), res)
	checkAcked(t, dir, acks)
}

package proc

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, in string
		want     Stat
		wantErr  bool
	}{
		{name: "plain",
			in:   "42 (wasmta) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 3 4 20 0 8 0 100 0 0",
			want: Stat{PID: 42, PPID: 1, Comm: "wasmta", User: 2500 * time.Millisecond, System: 750 * time.Millisecond, ChildUser: 30 * time.Millisecond, ChildSystem: 40 * time.Millisecond, MinFlt: 100}},
		{name: "comm with spaces and parens",
			in:   "7 (a) b (c)) R 3 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 1 0 0",
			want: Stat{PID: 7, PPID: 3, Comm: "a) b (c)", User: 10 * time.Millisecond, System: 20 * time.Millisecond}},
		{name: "no comm", in: "7 R 3", wantErr: true},
		{name: "short", in: "7 (x) R 3 4", wantErr: true},
		{name: "bad number", in: "7 (x) R 3 7 7 0 -1 0 0 0 0 0 x 2 0 0 20", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStat([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("42 (wasmta) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 3 4 20 0 8 0 100 0 0"))
	f.Add([]byte("1 ()) R"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseStat(b)
		if err == nil && !strings.Contains(string(b), "("+s.Comm+")") {
			t.Errorf("comm %q is not the text between the parentheses of %q", s.Comm, b)
		}
	})
}

func TestStartStopAndTree(t *testing.T) {
	c, err := Start("sh", []string{"-c", "sleep 30 & sleep 30; wait"}, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(Tree(c.PID())) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(Tree(c.PID())); n != 3 {
		t.Fatalf("tree of sh has %d processes, want 3 (sh and two sleeps)", n)
	}
	if m, err := ReadMemory(c.PID()); err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("memory = %+v, %v", m, err)
	}
	if TreePss(c.PID()) <= 0 {
		t.Error("TreePss = 0 for a live tree")
	}
	StopAll(2 * time.Second)
	if ok, _ := c.Exited(); !ok {
		t.Fatal("child still running after StopAll")
	}
	if Tree(c.PID()) != nil {
		t.Error("process group members outlived Stop")
	}
}

func TestStopEscalatesToKill(t *testing.T) {
	c, err := Start("sh", []string{"-c", "trap '' TERM; sleep 30"}, t.TempDir()+"/log")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	t0 := time.Now()
	c.Stop(300 * time.Millisecond)
	if ok, _ := c.Exited(); !ok || time.Since(t0) > 5*time.Second {
		t.Fatalf("Stop did not end a process ignoring SIGTERM (exited %v after %v)", ok, time.Since(t0))
	}
}

func TestWaitPortAndRun(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := WaitPort(ctx, "127.0.0.1:"+strconv.Itoa(port), nil); err == nil {
		t.Error("WaitPort succeeded on a closed port")
	}
	out, err := Run(context.Background(), "echo", "hi")
	if err != nil || string(out) != "hi\n" {
		t.Errorf("Run = %q, %v", out, err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := Run(ctx2, "sleep", "10"); err == nil {
		t.Error("Run outlived its context")
	}
}

func TestMachineAndLoad(t *testing.T) {
	m := ReadMachine()
	if m.CPUs < 1 || m.MemTotal <= 0 {
		t.Errorf("machine = %+v", m)
	}
	if l := LoadAvg(); l[0] < 0 {
		t.Errorf("load = %v", l)
	}
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/f", make([]byte, 100000), 0o644); err != nil {
		t.Fatal(err)
	}
	if n, err := DirSize(dir); err != nil || n < 100000 {
		t.Errorf("DirSize = %d, %v", n, err)
	}
	s := Sample(time.Millisecond, func() int64 { return 7 })
	time.Sleep(5 * time.Millisecond)
	if p := s.Stop(); p != 7 {
		t.Errorf("peak = %d", p)
	}
}

package proc

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Machine describes the computer the benchmark ran on.
type Machine struct {
	CPUModel string `json:"cpu_model"`
	CPUs     int    `json:"cpus"` // online CPUs the harness may use (nproc)
	MemTotal int64  `json:"mem_total_bytes"`
	Kernel   string `json:"kernel"`
	GoVer    string `json:"go_version"`
}

// ReadMachine reads /proc/cpuinfo, /proc/meminfo and the kernel release.
func ReadMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVer: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range bytes.SplitSeq(b, []byte{'\n'}) {
			if k, v, ok := bytes.Cut(line, []byte{':'}); ok && string(bytes.TrimSpace(k)) == "model name" {
				m.CPUModel = string(bytes.TrimSpace(v))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.MemTotal = kbField(b, "MemTotal:")
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// LoadAvg returns the 1, 5 and 15 minute load averages.
func LoadAvg() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return l
	}
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		l[i], _ = strconv.ParseFloat(f[i], 64)
	}
	return l
}

// Sampler calls a reading function at an interval and keeps the largest
// value seen, until Stop.
type Sampler struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	peak   int64
	last   int64
	read   func() int64
}

// Sample starts sampling read every interval.
func Sample(interval time.Duration, read func() int64) *Sampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sampler{cancel: cancel, read: read}
	s.take()
	s.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.take()
			}
		}
	})
	return s
}

func (s *Sampler) take() {
	v := s.read()
	s.mu.Lock()
	s.last = v
	s.peak = max(s.peak, v)
	s.mu.Unlock()
}

// Stop ends sampling after one last reading and returns the peak.
func (s *Sampler) Stop() int64 {
	s.cancel()
	s.wg.Wait()
	s.take()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// Last returns the latest reading.
func (s *Sampler) Last() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// DirSize returns the bytes allocated on disk under dir (what du counts).
func DirSize(dir string) (int64, error) {
	out, err := Run(context.Background(), "du", "-s", "-B1", dir)
	if err != nil {
		return 0, fmt.Errorf("proc: du %s: %w: %s", dir, err, out)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		return 0, fmt.Errorf("proc: du %s: no output", dir)
	}
	return strconv.ParseInt(f[0], 10, 64)
}

package scenario

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The gauges wasmta's admin listener exposes for each egress path's
// limits: the configured one (the shape hook's) and the learned one.
const (
	gaugeRate  = "wasmta_path_rate_limit"
	gaugeConns = "wasmta_path_connection_limit"
	// gaugePerConn is the messages per connection (wasmta since it learns
	// them; an older engine has none and its rows go without).
	gaugePerConn = "wasmta_path_messages_per_connection_limit"
)

// limitSample is one reading of a path-limit gauge.
type limitSample struct {
	at     time.Time
	gauge  string
	labels map[string]string
	value  float64
}

// limitSampler reads wasmta's /metrics every second and keeps the
// path-limit gauges.
type limitSampler struct {
	url     string
	mu      sync.Mutex
	samples []limitSample
	done    chan struct{}
	wg      sync.WaitGroup
}

func startSampler(ctx context.Context, url string) *limitSampler {
	s := &limitSampler{url: url, done: make(chan struct{})}
	s.wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			s.sample(ctx)
			select {
			case <-ctx.Done():
				return
			case <-s.done:
				return
			case <-t.C:
			}
		}
	})
	return s
}

func (s *limitSampler) stop() []limitSample {
	close(s.done)
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

func (s *limitSampler) sample(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 900*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	got := parseLimitGauges(resp.Body, time.Now())
	s.mu.Lock()
	s.samples = append(s.samples, got...)
	s.mu.Unlock()
}

// parseLimitGauges reads the path-limit gauges out of a Prometheus text
// exposition; other lines are skipped.
func parseLimitGauges(r io.Reader, at time.Time) []limitSample {
	var out []limitSample
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, "{")
		if !ok || (name != gaugeRate && name != gaugeConns && name != gaugePerConn) {
			continue
		}
		labels, rest, ok := parseLabels(rest)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		out = append(out, limitSample{at: at, gauge: name, labels: labels, value: v})
	}
	return out
}

// parseLabels reads `a="x",b="y"}` and returns the labels and what follows
// the closing brace.
func parseLabels(s string) (map[string]string, string, bool) {
	labels := map[string]string{}
	for {
		s = strings.TrimLeft(s, ", ")
		if strings.HasPrefix(s, "}") {
			return labels, s[1:], true
		}
		name, rest, ok := strings.Cut(s, `="`)
		if !ok {
			return nil, "", false
		}
		var val strings.Builder
		i := 0
		for ; i < len(rest) && rest[i] != '"'; i++ {
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
				if rest[i] == 'n' {
					val.WriteByte('\n')
				} else {
					val.WriteByte(rest[i]) // \" and \\
				}
				continue
			}
			val.WriteByte(rest[i])
		}
		if i == len(rest) {
			return nil, "", false
		}
		labels[name] = val.String()
		s = rest[i+1:]
	}
}

// pathSeries returns the values of one gauge and limit ("learned",
// "configured") for the path to site, in time order.
func pathSeries(samples []limitSample, gauge, limit, site string) []limitSample {
	var out []limitSample
	for _, s := range samples {
		if s.gauge == gauge && s.labels["limit"] == limit && s.labels["site"] == site {
			out = append(out, s)
		}
	}
	return out
}

// convergence returns how long after change the series first came within
// tol (a fraction) of target, and whether it did.
func convergence(series []limitSample, change time.Time, target, tol float64) (time.Duration, bool) {
	for _, s := range series {
		if s.at.Before(change) {
			continue
		}
		if math.Abs(s.value-target) <= tol*target {
			return s.at.Sub(change), true
		}
	}
	return 0, false
}

// writeSamples keeps the learned-limit readings in the run's directory
// (limits.tsv: seconds from the burst, gauge, limit, site, value), for a
// timeline of what the paths learned; --keep keeps it.
func (e *Env) writeSamples(samples []limitSample, start time.Time) {
	var b strings.Builder
	for _, s := range samples {
		fmt.Fprintf(&b, "%.1f\t%s\t%s\t%s\t%g\n", s.at.Sub(start).Seconds(), s.gauge, s.labels["limit"], s.labels["site"], s.value)
	}
	if err := os.WriteFile(filepath.Join(e.Root, "limits.tsv"), []byte(b.String()), 0o644); err != nil {
		e.Log.Warn("blind provider mix: learned limits not kept", "err", err)
	}
}

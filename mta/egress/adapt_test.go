package egress

import (
	"math"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/policy"
)

// The shape a path enforces at learned limits: the bucket keeps the
// preset's depth in proportion (one second's worth when the preset gave
// none), and the connection rate grows with the larger of the two learned
// limits over the preset's, never below the preset's: a path that sends k
// times the preset's mail replaces k times as many sessions (every
// messages_per_connection messages).
func TestLearnedShape(t *testing.T) {
	apple := policy.Shape{MaxConnections: 10, MessagesPerSecond: 5, ConnectionsPerSec: 100.0 / 60, MessagesPerConn: 5}
	for _, tc := range []struct {
		name      string
		base      policy.Shape
		l         adaptive.Limits
		wantRate  float64
		wantBurst int
		wantConnR float64
	}{
		{"at the preset", apple, adaptive.Limits{Conns: 10, Rate: 5}, 5, 0, 100.0 / 60},
		{"four times the rate: four times the reconnections, one second deep", apple,
			adaptive.Limits{Conns: 7, Rate: 20}, 20, 20, 4 * 100.0 / 60},
		{"twice the connections", apple, adaptive.Limits{Conns: 20, Rate: 5}, 5, 0, 2 * 100.0 / 60},
		{"cut below the preset: the preset's reconnections, at most a second deep", apple,
			adaptive.Limits{Conns: 3, Rate: 1.2}, 1.2, 1, 100.0 / 60},
		{"a preset burst in proportion", policy.Shape{MaxConnections: 5, MessagesPerSecond: 10, MessageBurst: 5},
			adaptive.Limits{Conns: 5, Rate: 30}, 30, 15, 0},
		{"no preset rate: one second of the learned one, whole messages", policy.Shape{MaxConnections: 5},
			adaptive.Limits{Conns: 5, Rate: 7.5}, 7.5, 7, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := learned(tc.base, tc.l)
			if s.MessagesPerSecond != tc.wantRate || s.MessageBurst != tc.wantBurst ||
				math.Abs(s.ConnectionsPerSec-tc.wantConnR) > 1e-9 || s.MaxConnections != tc.l.Conns {
				t.Fatalf("rate %v burst %d conns/s %.3f conns %d; want %v, %d, %.3f, %d", s.MessagesPerSecond,
					s.MessageBurst, s.ConnectionsPerSec, s.MaxConnections, tc.wantRate, tc.wantBurst, tc.wantConnR, tc.l.Conns)
			}
		})
	}
}

// The rate is what holds a path back only when messages wait at its
// bucket: a paced bucket (one token deep) that a session just emptied
// still has the next token free for a new session.
func TestTokenReady(t *testing.T) {
	host := hostAt(t, "127.0.0.1:9")
	for _, tc := range []struct {
		name    string
		burst   int
		reserve int // tokens taken at once
		want    bool
	}{
		{"a token in the bucket", 5, 0, true},
		{"a paced bucket a session just emptied", 1, 1, true},
		{"a message waiting for the next token", 1, 2, false},
		{"a deep bucket with messages queued", 5, 6, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSet(t, newOutcomes(), Options{})
			p := atPreset(testPath(s, host, policy.Shape{MaxConnections: 2, MessagesPerSecond: 10, MessageBurst: tc.burst,
				Adapt: policy.Adaptation{Off: true}}))
			now := time.Now()
			p.mu.Lock()
			l := p.msgs.all()[0] // a new bucket: one token
			for range tc.reserve {
				l.ReserveN(now, 1)
			}
			got := p.tokenReadyLocked(now)
			p.mu.Unlock()
			if got != tc.want {
				t.Fatalf("token ready %v, want %v", got, tc.want)
			}
		})
	}
}

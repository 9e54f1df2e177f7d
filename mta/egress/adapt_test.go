package egress

import (
	"math"
	"testing"
	"time"

	"golang.org/x/time/rate"

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

// A throttle that cuts the rate takes the tokens the path's bucket saved
// while its connections held it back: the destination refused, its own
// bucket is empty, and they would go out at once into it (in the blind
// benchmark, Yahoo's path cut from 33.75 to 8.4 msg/s at the end of slow
// start sent 8 at once and 6 were refused); without the drain the cut
// bucket would keep 7. A signal that cuts no rate leaves them.
func TestRateCutEmptiesTheBucket(t *testing.T) {
	host := hostAt(t, "127.0.0.1:9")
	for _, tc := range []struct {
		name   string
		signal adaptive.Signal
		want   float64 // tokens left, at least
		empty  bool
	}{
		{"throttles cut the rate", adaptive.RateLimited, 0, true},
		{"a refused connection cuts no rate", adaptive.Refused, 1, false}, // a bucket paced until validated: one token
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSet(t, newOutcomes(), Options{})
			p := atPreset(testPath(s, host, policy.Shape{MaxConnections: 4, MessagesPerSecond: 10, MessageBurst: 10}))
			now := time.Now()
			p.mu.Lock()
			p.msgs.lim[0] = rate.NewLimiter(10, 10) // full: the path sent less than its rate
			p.signalLocked(tc.signal, 2, now)
			p.signalLocked(tc.signal, 2, now)
			got := p.msgs.all()[0].TokensAt(now)
			p.mu.Unlock()
			if tc.empty && got >= 1 || !tc.empty && got < tc.want {
				t.Fatalf("%.2f tokens left after the signals", got)
			}
		})
	}
}

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
// still has the next token free for a new session. A worker that dials
// before it takes its token (conn.tokenAfterDial) owes one: a paced
// bucket a session just emptied, with a session being dialled, has no
// token free for another, as when that worker took its token before the
// dial.
func TestTokenReady(t *testing.T) {
	host := hostAt(t, "127.0.0.1:9")
	for _, tc := range []struct {
		name    string
		burst   int
		reserve int // tokens taken at once
		owed    int // workers dialling that take their token once up
		want    bool
	}{
		{"a token in the bucket", 5, 0, 0, true},
		{"a paced bucket a session just emptied", 1, 1, 0, true},
		{"a message waiting for the next token", 1, 2, 0, false},
		{"a deep bucket with messages queued", 5, 6, 0, false},
		{"a paced bucket a session just emptied, a session being dialled", 1, 1, 1, false},
		{"a paced bucket's token owed by a session being dialled", 1, 0, 1, true},
		{"a paced bucket's token and the next owed by two sessions being dialled", 1, 0, 2, false},
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
			p.owed = tc.owed
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
			p.signalLocked(tc.signal, 2, now, "")
			p.signalLocked(tc.signal, 2, now, "")
			got := p.msgs.all()[0].TokensAt(now)
			p.mu.Unlock()
			if tc.empty && got >= 1 || !tc.empty && got < tc.want {
				t.Fatalf("%.2f tokens left after the signals", got)
			}
		})
	}
}

// A worker dials before it takes its message token only where the path's
// bucket holds one message (it promises transactions 1/rate apart, which
// a token taken before a dial breaks by the dial's time), not where it
// holds more (it sends that many at once after a pause anyway), nor while
// a new path's rate is paced (its connections open all at once then).
func TestTokenAfterDialOnlyOneDeep(t *testing.T) {
	host := hostAt(t, "127.0.0.1:9")
	for _, tc := range []struct {
		name  string
		shape policy.Shape
		cut   bool // throttles cut the rate first: it is no longer paced
		want  bool
	}{
		{"a learned rate under two a second", policy.Shape{MaxConnections: 2, MessagesPerSecond: 1.5}, true, true},
		{"a learned rate of seven a second", policy.Shape{MaxConnections: 2, MessagesPerSecond: 10}, true, false},
		{"a bucket the policy makes one deep", policy.Shape{MaxConnections: 2, MessagesPerSecond: 10, MessageBurst: 1, Adapt: policy.Adaptation{Off: true}}, false, true},
		{"a bucket a second deep", policy.Shape{MaxConnections: 2, MessagesPerSecond: 10, Adapt: policy.Adaptation{Off: true}}, false, false},
		{"no rate", policy.Shape{MaxConnections: 2, Adapt: policy.Adaptation{Off: true}}, false, false},
		{"a new path's paced rate", policy.Shape{MaxConnections: 2, MessagesPerSecond: 1.5}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSet(t, newOutcomes(), Options{})
			p := atPreset(testPath(s, host, tc.shape))
			if tc.cut {
				now := time.Now()
				p.mu.Lock()
				p.signalLocked(adaptive.RateLimited, 1, now, "")
				p.signalLocked(adaptive.RateLimited, 1, now, "")
				p.mu.Unlock()
			}
			if got := p.tokenAfterDial(time.Now(), time.Minute); got != tc.want {
				_, l := p.Limits()
				t.Fatalf("token after the dial %v, want %v (learned rate %.2f)", got, tc.want, l.Rate)
			}
		})
	}
}

package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/internal/providersim"
)

// The blind provider mix: simulated providers whose limits nobody told
// wasmta. Each run draws every provider's connection limit and message
// rate per client IP at random (seeded), log-uniformly between a quarter
// and four times the figure of the SHIPPED shaping preset for that
// provider (policies/go/shaping/presets.go), so the presets are as likely
// to be four times too generous as four times too timid. wasmta runs the
// shipped presets unchanged; nothing of the draw reaches its settings.
// Postfix gets the drawn connection limits as its per-destination
// concurrency, the usual tuning when a provider publishes its limits.
const (
	blindLow  = 0.25 // the smallest draw, as a fraction of the preset
	blindHigh = 4.0  // the largest
)

// blindSpec is one provider of the blind mix.
type blindSpec struct {
	name   string // simulator provider name, and the case in the results
	preset string // simulator preset: MX host name, latencies, reply texts
	// The shipped shaping preset's figures the draw is centred on
	// (policies/go/shaping/presets.go; TestBlindPresetsMatchShipped keeps
	// them in step).
	shipConns int
	shipRate  float64
	halves    bool                                        // its limits halve mid-run
	behave    func(p *providersim.Provider, rate float64) // the throttling behaviour
}

// blindSpecs are the five providers: four big ones with their own texts
// and stages, and a site the presets do not know (the "default" preset).
// Every one refuses connections over its limit with its 421 at greeting,
// at once (strict: a connection opened at exactly the limit races the
// provider's own count, as with a real server).
var blindSpecs = []blindSpec{
	// 421 4.7.28 at the end of DATA, then closes: throttling at DATA with
	// an enhanced code.
	{name: "gmail", preset: "gmail", shipConns: 5, shipRate: 20, behave: keepPresetThrottle},
	// [TSS04] 421 4.7.0 at MAIL, closes; 20 messages per connection.
	{name: "yahoo", preset: "yahoo", shipConns: 10, shipRate: 10, behave: keepPresetThrottle},
	// 451 4.7.500 "Server busy" at every RCPT; its limits halve mid-run.
	{name: "microsoft", preset: "microsoft", shipConns: 5, shipRate: 10, halves: true, behave: keepPresetThrottle},
	// 421 4.7.1 "deferred due to excessive volume" at RCPT, closes.
	{name: "apple", preset: "apple", shipConns: 10, shipRate: 5, behave: keepPresetThrottle},
	// An Exim MX with a rate-limit ACL at DATA: 451 with no enhanced code
	// (Exim sends none unless configured), the text of the Exim
	// specification's ratelimit example.
	{name: "exim", preset: "generic", shipConns: 10, shipRate: 20, behave: eximThrottle},
}

func keepPresetThrottle(*providersim.Provider, float64) {}

func eximThrottle(p *providersim.Provider, rate float64) {
	p.Hostname = "mx1.mail.example-isp.test"
	p.Domains = []string{"example-isp.test"}
	p.ThrottleAt = providersim.StageData
	p.ThrottleReply = providersim.Reply{Code: 451,
		Text: fmt.Sprintf("Sender rate exceeds %s messages per 1s", strconv.FormatFloat(rate, 'f', -1, 64))}
}

// blindDraw is what one run drew for one provider.
type blindDraw struct {
	spec  blindSpec
	conns int     // connections per client IP
	rate  float64 // messages per second per client IP
	// After the halving (halving providers only).
	conns2 int
	rate2  float64
	load   int           // messages sent to it
	perMsg time.Duration // time one message takes on an open connection
}

// drawLimit draws a value log-uniformly in [blindLow, blindHigh] × ship.
func drawLimit(r *rand.Rand, ship float64) float64 {
	lo, hi := math.Log(ship*blindLow), math.Log(ship*blindHigh)
	return math.Exp(lo + r.Float64()*(hi-lo))
}

// roundRate keeps two significant decimals: a readable figure.
func roundRate(v float64) float64 { return math.Round(v*100) / 100 }

// blindParams are a run's timings.
type blindParams struct {
	window time.Duration // injection start → end of the measurement
	// injection start → the latest end of the observation tail: the run
	// goes on after the window until every accepted message is delivered
	// or this (tailFactor windows), for queue times on a longer clock.
	tailCap time.Duration
	halve   time.Duration // first connection → the halving
	fill    float64       // load as a fraction of what an ideal sender delivers in the window
	maxPer  int           // at most this many messages per provider
}

func (e *Env) blindParams() blindParams {
	if e.Quick {
		return blindParams{window: 30 * time.Second, tailCap: tailFactor * 30 * time.Second, halve: 10 * time.Second, fill: 0.7, maxPer: 300}
	}
	return blindParams{window: 90 * time.Second, tailCap: tailFactor * 90 * time.Second, halve: 30 * time.Second, fill: 0.7, maxPer: 2000}
}

// tailFactor is the observation tail's cap in windows. The load is sized
// so that a sender at exactly the drawn limits delivers it within the
// window (the halving provider's in all of it); three windows cover a
// sender that kept a provider at a third of its limits on average, an
// order an operator would still call "delivering". Beyond the cap a queue
// time stays censored (reported as greater than its bound), so the cap
// decides how often a comparison is resolved, never which way: a
// message undelivered at the cap really waited longer. Postfix's retries
// (its defaults, which the bench does not change: minimal_backoff_time
// and queue_run_delay 300 s) bring a message it deferred back after the
// cap; within it Postfix delivers only what it did not defer.
const tailFactor = 3

// drawWorld draws every provider's limits and sizes its load from them: an
// ideal sender (always exactly at the limits) would deliver fill of it
// within the window, or all of it for the halving provider, which is meant
// to stay backlogged so that its new limit binds.
func drawWorld(seed uint64, bp blindParams) []blindDraw {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]blindDraw, 0, len(blindSpecs))
	for _, s := range blindSpecs {
		p, _ := providersim.Preset(s.preset)
		d := blindDraw{spec: s, perMsg: perMessage(p.Latency)}
		d.conns = max(1, int(math.Round(drawLimit(r, float64(s.shipConns)))))
		d.rate = roundRate(drawLimit(r, s.shipRate))
		window := bp.window.Seconds()
		if !s.halves {
			d.load = int(bp.fill * window * d.capacity(d.conns, d.rate))
		} else {
			// Enough connections to carry the rate (within the range), so
			// that the rate is the limit the halving moves.
			need := int(math.Ceil(1.25 * d.rate * d.perMsg.Seconds()))
			d.conns = max(d.conns, min(need, int(blindHigh)*s.shipConns))
			d.conns2, d.rate2 = max(1, (d.conns+1)/2), roundRate(d.rate/2)
			before := (bp.halve + time.Second).Seconds() // the first connection comes about a second in
			d.load = int(before*d.capacity(d.conns, d.rate) + (window-before)*d.capacity(d.conns2, d.rate2))
		}
		d.load = min(max(d.load, 10), bp.maxPer)
		out = append(out, d)
	}
	return out
}

// capacity is what a sender at exactly these limits delivers per second.
func (d blindDraw) capacity(conns int, rate float64) float64 {
	return min(rate, float64(conns)/d.perMsg.Seconds())
}

// perMessage is the mean time one message takes on an open connection:
// MAIL, RCPT and the end of DATA, plus a little for the round trips.
func perMessage(l providersim.Latency) time.Duration {
	mean := func(d providersim.Delay) time.Duration { return d.Fixed + d.Jitter/2 }
	return mean(l.Mail) + mean(l.Rcpt) + mean(l.DataEnd) + 5*time.Millisecond
}

// provider builds the simulator's provider for the draw, on ip:port.
func (d blindDraw) provider(ip string, port int, halve time.Duration) (providersim.Provider, error) {
	p, err := providersim.Preset(d.spec.preset)
	if err != nil {
		return p, err
	}
	p.Name = d.spec.name
	p.Addr = net.JoinHostPort(ip, strconv.Itoa(port))
	p.MaxConnsPerIP, p.StrictConnLimit = d.conns, true
	p.RatePerIP, p.Burst = d.rate, max(1, int(math.Round(d.rate)))
	d.spec.behave(&p, d.rate)
	if d.spec.halves {
		p.Changes = []providersim.LimitChange{{After: halve, RatePerIP: d.rate2,
			Burst: max(1, int(math.Round(d.rate2))), MaxConnsPerIP: d.conns2}}
	}
	return p, nil
}

package engine

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// A temporary refusal that says when to come back: greylisting above all
// ("451 4.7.1 Greylisted, please try again in 300 seconds", postgrey's
// "come back in 00:05:00"), also some throttles ("try again in 60 s").
var (
	statedIn = regexp.MustCompile(`(?:try again|try later|retry|come back|resend|wait|greylisted for|graylisted for)` +
		`[^0-9]{0,20}?(\d{1,6})\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b`)
	statedClock = regexp.MustCompile(`(?:try again|try later|retry|come back|resend|wait)[^0-9]{0,20}?` +
		`\b(\d{1,2}):(\d{2}):(\d{2})\b`)
)

// statedRetryAttempts bounds the attempts whose deferral is retried at
// the time its reply states: a greylist lets the second attempt through
// (or the third, when it counts from its own first sight), and a reply
// that asks for the same short delay every time is no greylist; its
// message goes back to the retry schedule instead of coming back every
// few seconds until it expires.
const statedRetryAttempts = 3

// statedRetry is the time a 4xx reply asks to be retried at, with a
// margin (a tenth, and a second: a greylist lets through what comes back
// after its delay, not at it), between a second and a day from now.
func statedRetry(resp message.Response, now time.Time) (time.Time, bool) {
	if resp.Code/100 != 4 || resp.Text == "" {
		return time.Time{}, false
	}
	text := strings.ToLower(resp.Text)
	var d time.Duration
	if m := statedClock.FindStringSubmatch(text); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		d = time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(s)*time.Second
	} else if m := statedIn.FindStringSubmatch(text); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := time.Second
		switch m[2][0] {
		case 'm':
			unit = time.Minute
		case 'h':
			unit = time.Hour
		}
		d = time.Duration(n) * unit
	}
	if d < time.Second || d > 24*time.Hour {
		return time.Time{}, false
	}
	return now.Add(d + d/10 + time.Second), true
}

// greylistDelay is the delay of a greylist that names itself but states
// none (postgrey's "450 4.2.0 <rcpt>: Recipient address rejected:
// Greylisted, see http://postgrey.schweikert.ch/help/example.com.html"):
// postgrey's default (--delay 300) and sqlgrey's (reconnect_delay, 5
// minutes), which Postfix's minimal_backoff_time (300 s) meets on its
// first retry.
const greylistDelay = 5 * time.Minute

// namesGreylist reports whether a reply's text says it is greylisting.
func namesGreylist(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "greylist") || strings.Contains(t, "graylist")
}

// greylistRetry is the retry of a 4xx that names a greylist and states no
// delay: after greylistDelay, doubling per attempt for a greylist that
// waits longer (milter-greylist's sample configuration waits 30 minutes),
// with the margin of a stated delay.
func greylistRetry(resp message.Response, attempts int, now time.Time) (time.Time, bool) {
	if resp.Code/100 != 4 || !namesGreylist(resp.Text) {
		return time.Time{}, false
	}
	if _, ok := statedRetry(resp, now); ok {
		return time.Time{}, false
	}
	d := doublingDelay(greylistDelay, attempts)
	return now.Add(d + d/10 + time.Second), true
}

package engine

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

func TestStatedRetry(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	for _, tc := range []struct {
		code int
		text string
		want time.Duration // 0: none stated
	}{
		{451, "Greylisted, please try again in 300 seconds", 300 * time.Second},
		{450, "4.7.1 Greylisting in action, please come back in 00:05:00", 5 * time.Minute},
		{451, "Please retry in 5 minutes", 5 * time.Minute},
		{421, "Rate limited, wait 60s before reconnecting", time.Minute},
		{451, "Greylisted for 120 secs", 2 * time.Minute},
		{421, "Temporary System Problem. Try again later (10)", 0},
		{451, "try again in a few minutes", 0},
		{451, "Try again later from 192.0.2.1", 0},
		{550, "Greylisted, please try again in 300 seconds", 0}, // a 5xx is not retried for its words
		{451, "try again in 0 seconds", 0},
	} {
		got, ok := statedRetry(message.Response{Code: tc.code, Text: tc.text}, now)
		switch {
		case tc.want == 0 && ok:
			t.Errorf("%d %q: retry at +%v, want none stated", tc.code, tc.text, got.Sub(now))
		case tc.want > 0 && (!ok || got.Sub(now) != tc.want+tc.want/10+time.Second):
			t.Errorf("%d %q: retry at +%v (%v), want +%v and the margin", tc.code, tc.text, got.Sub(now), ok, tc.want)
		}
	}
}

// A greylist that names itself and states no delay is retried after
// greylistDelay, doubling per attempt; one that states its delay, or a
// reply that names no greylist, is not read this way.
func TestGreylistRetry(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	const postgrey = "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html"
	for _, tc := range []struct {
		code     int
		text     string
		attempts int
		want     time.Duration // 0: not a greylist without a stated delay
	}{
		{450, postgrey, 1, 5 * time.Minute},
		{450, postgrey, 2, 10 * time.Minute},
		{451, "4.7.1 Graylisted, try later", 1, 5 * time.Minute},
		{451, "Greylisted, please try again in 300 seconds", 1, 0}, // stated: statedRetry
		{451, "Try again later", 1, 0},
		{550, postgrey, 1, 0},
	} {
		got, ok := greylistRetry(message.Response{Code: tc.code, Text: tc.text}, tc.attempts, now)
		switch {
		case tc.want == 0 && ok:
			t.Errorf("%d %q: retry at +%v, want none", tc.code, tc.text, got.Sub(now))
		case tc.want > 0 && (!ok || got.Sub(now) != tc.want+tc.want/10+time.Second):
			t.Errorf("%d %q attempt %d: retry at +%v (%v), want +%v and the margin", tc.code, tc.text, tc.attempts, got.Sub(now), ok, tc.want)
		}
	}
}

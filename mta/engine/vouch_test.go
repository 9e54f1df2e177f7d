package engine

import (
	"testing"

	"github.com/wasmta/wasmta/mta/feedback"
)

// A DSN's recipient names the address the sender specified (its
// Original-Recipient, feedback 9e5d5b8) and keeps the Final-Recipient
// beside it: a return path made for either address vouches for the
// report, as it did when the final address was the recipient's. Until
// 2026-12 the final address was read nowhere here once the original took
// its place, and a report whose original differed from the address the
// return path was made for suppressed nothing.
func TestReturnPathVouchesForTheFinalRecipient(t *testing.T) {
	rc := &feedback.Recipient{Kind: feedback.KindBounce, Address: "list@example.org", Original: "list@example.org",
		Final: "jo@example.net"}
	for _, tc := range []struct {
		name string
		m    reportMatch
		want string
	}{
		{"bound to the final address", reportMatch{how: "verp", bound: true, addr: "jo@example.net"}, "jo@example.net"},
		{"bound to the original address", reportMatch{how: "verp", bound: true, addr: "list@example.org"}, "list@example.org"},
		{"bound to another address", reportMatch{how: "verp", bound: true, addr: "ann@example.net"}, ""},
		{"a message to several, the final one among them", reportMatch{how: "verp", rcpts: []string{"ann@example.net", "jo@example.net"}},
			"jo@example.net"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, why := tc.m.vouchesFor(rc); got != tc.want {
				t.Errorf("vouchesFor = %q (%s), want %q", got, why, tc.want)
			}
		})
	}
}

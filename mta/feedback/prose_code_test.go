package feedback

import "testing"

// TestNoCodeInProse: a number after "with" in a notice's prose is no
// reply code ("a message with 500 recipients"); "failed with: 550" is.
func TestNoCodeInProse(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{
		{"Your message with 500 recipients was refused: 550 5.5.3 too many", 550},
		{"Mailbox of who@example.org is full with 450 messages stored", 0},
		{"The message with 552 KB attached could not be delivered", 0},
		{"Server mx.example.org[192.0.2.7] failed with: 550 <who@example.org> no such user here", 550},
		{"Delivery failed with 421 4.4.2 connection dropped", 421},
	} {
		if got := findCode(tt.s); got != tt.want {
			t.Errorf("findCode(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

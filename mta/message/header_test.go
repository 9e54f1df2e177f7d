package message

import "testing"

func TestHeaderBlock(t *testing.T) {
	msg := "Received: from a\r\n\tby b\r\nSubject: hi\r\nX-Long: " + "0123456789\r\n\r\nbody\r\n\r\nmore\r\n"
	tests := []struct {
		name  string
		msg   string
		limit int
		want  string
	}{
		{"whole header", msg, 1 << 10, "Received: from a\r\n\tby b\r\nSubject: hi\r\nX-Long: 0123456789\r\n"},
		{"cut between fields", msg, 40, "Received: from a\r\n\tby b\r\nSubject: hi\r\n"},
		{"folded field is kept whole or left out", msg, 20, ""},
		{"no body", "Subject: x\r\n", 100, "Subject: x\r\n"},
		{"empty", "", 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(HeaderBlock([]byte(tt.msg), tt.limit)); got != tt.want {
				t.Errorf("HeaderBlock(limit %d) = %q, want %q", tt.limit, got, tt.want)
			}
		})
	}
}

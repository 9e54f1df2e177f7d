package message

import (
	"testing"
	"time"
)

func TestMinted(t *testing.T) {
	mine := NewID(time.Now())
	other := mine
	other[8] ^= 0xff // another process's random prefix
	parsed, err := ParseID(mine.String())
	if err != nil {
		t.Fatalf("ParseID: %v", err)
	}
	tests := []struct {
		name string
		id   ID
		want bool
	}{
		{"made by NewID here", mine, true},
		{"made by NewID here, read back", parsed, true},
		{"made by another process", other, false},
	}
	for _, tt := range tests {
		if got := tt.id.Minted(); got != tt.want {
			t.Errorf("%s: Minted() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewIDUnique(t *testing.T) {
	now := time.Now()
	seen := make(map[ID]bool)
	for range 10000 {
		id := NewID(now) // one time stamp: only the counter tells them apart
		if seen[id] {
			t.Fatalf("NewID returned %s twice", id)
		}
		seen[id] = true
	}
}

package engine

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRelayNetworksAreExemptFromPerClientLimits holds more connections from
// 127.0.0.1 than max_connections_per_ip allows: a client in
// relay_networks (the ESP's own submission hosts) must get every one, as
// docs/configuration.md says, while the limit still applies to a listener
// whose relay_networks leave loopback out.
func TestRelayNetworksAreExemptFromPerClientLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, toml string
		refused    bool
	}{
		{"loopback in relay_networks", "[smtp]\nmax_connections_per_ip = 3\n", false},
		{"loopback not in relay_networks", "[smtp]\nmax_connections_per_ip = 3\nrelay_networks = [\"192.0.2.0/24\"]\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, addr := startAt(t, t.TempDir(), tt.toml, Options{})
			refused := false
			for i := range 6 {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				greeting, err := bufio.NewReader(c).ReadString('\n')
				if err != nil {
					t.Fatalf("connection %d: %v", i+1, err)
				}
				if strings.HasPrefix(greeting, "421 ") {
					refused = true
				} else if !strings.HasPrefix(greeting, "220 ") {
					t.Fatalf("connection %d: greeting %q", i+1, greeting)
				}
			}
			if refused != tt.refused {
				t.Errorf("a sixth connection refused: %v, want %v", refused, tt.refused)
			}
		})
	}
}

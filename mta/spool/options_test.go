package spool

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestBallastDocumented: docs/configuration.md tells operators the size
// and the name of the ballast file the spool really keeps.
func TestBallastDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{fmt.Sprintf("**%d MiB ballast**", defaultBallast>>20), ballastName} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("docs/configuration.md does not say %q", want)
		}
	}
}

// Command classifier is a reference bounce-classification policy: it maps
// SMTP replies and connection failures to wasmta's categories and, for the
// throttling and blocking replies of the big mailbox providers, asks for
// traffic control (suspend a path, lower its rate) instead of hammering.
//
// The category and the default action come from sdk/go/bounce, the rules
// the built-in classifier of the MTA compiles in too, so a tenant that
// loads this module gets the same categories as one that loads none. This
// module adds what the built-in default does not do: traffic control for
// the texts of Gmail, Yahoo, Microsoft and Apple (providers.go), and a
// bounce for the replies that can never succeed. MAPPING.md relates the
// categories to Sisimai's reasons and KumoMTA's classes and reports the
// agreement on development and held-out data.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o classifier.wasm .
package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/bounce"
	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleClassify(func(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
		return classify(in), true
	})
}

// classify always decides: every reply gets a category.
func classify(in *wasmta.ClassifyInput) wasmta.Classification {
	r := bounce.ClassifyAt(in.Stage, in.Code, in.Enhanced, in.Text)
	c := wasmta.Classification{Category: r.Category}
	if r.Action != bounce.Default {
		c.Action = r.Action.String()
	}
	enhanced := in.Enhanced
	if enhanced == "" && strings.Contains(in.Text, ".") {
		enhanced = bounce.EnhancedIn(in.Text)
	}
	text := strings.ToLower(in.Text)
	for i := range trafficRules {
		if trafficRules[i].matches(in.Code, enhanced, text) {
			t := trafficRules[i].result
			t.Category = c.Category
			return t
		}
	}
	return c
}

func main() {}

// Command classifier is a reference bounce-classification policy: it maps
// SMTP replies and connection failures to wasmta's categories and, for the
// throttling and blocking replies of the big mailbox providers, asks for
// traffic control (suspend a path, lower its rate) instead of hammering.
//
// Order of decision: provider rules (exact texts Gmail, Yahoo, Microsoft
// and Apple send, with actions), then generic text rules, then the enhanced
// status code (RFC 3463), then the reply code class. MAPPING.md relates
// the categories to Sisimai's reasons and reports the agreement on the
// shared corpus.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o classifier.wasm .
package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleClassify(func(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
		return classify(in), true
	})
}

// classify always decides: every reply gets a category.
func classify(in *wasmta.ClassifyInput) wasmta.Classification {
	text := strings.ToLower(in.Text)
	enhanced := in.Enhanced
	if enhanced == "" {
		enhanced = enhancedIn(in.Text)
	}
	for i := range providerRules {
		if providerRules[i].matches(in.Code, enhanced, text) {
			return providerRules[i].result
		}
	}
	if in.Code == 0 && enhanced == "" {
		return connectionFailure(text)
	}
	for _, r := range textRules {
		if strings.Contains(text, r.needle) {
			return category(r.category)
		}
	}
	if c := enhancedCategory(enhanced); c != "" {
		return category(c)
	}
	if in.Code >= 400 && in.Code < 500 {
		return category(wasmta.TransientFailure)
	}
	return category(wasmta.Other)
}

// connectionFailure classifies a failure with no SMTP reply: the text is
// the connection or DNS error.
func connectionFailure(text string) wasmta.Classification {
	for _, r := range textRules {
		if strings.Contains(text, r.needle) {
			return category(r.category)
		}
	}
	return category(wasmta.BadConnection)
}

// enhancedIn finds the first enhanced status code (RFC 3463 "C.S.D", C in
// 2, 4, 5) in a reply text, for replies whose code the engine did not
// parse (multi-line replies, relayed diagnostics).
func enhancedIn(text string) string {
	for i := 0; i+5 <= len(text); i++ {
		c := text[i]
		if (c != '2' && c != '4' && c != '5') || text[i+1] != '.' || (i > 0 && !isBoundary(text[i-1])) {
			continue
		}
		j, n1 := digits(text, i+2)
		if n1 == 0 || n1 > 3 || j >= len(text) || text[j] != '.' {
			continue
		}
		k, n2 := digits(text, j+1)
		if n2 == 0 || n2 > 3 || (k < len(text) && !isBoundary(text[k])) {
			continue
		}
		return text[i:k]
	}
	return ""
}

func digits(s string, i int) (end, n int) {
	for end = i; end < len(s) && s[end] >= '0' && s[end] <= '9'; end++ {
	}
	return end, end - i
}

func isBoundary(c byte) bool {
	return c == ' ' || c == '-' || c == '#' || c == '\'' || c == '(' || c == '<' || c == '\t' || c == '\n' || c == '='
}

func main() {}

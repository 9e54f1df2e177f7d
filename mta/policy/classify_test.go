package policy

import (
	"context"
	"slices"
	"testing"

	"github.com/wasmta/wasmta/sdk/go/bounce"
)

// TestBuiltinCategories: the shared rules speak exactly the host's
// categories, so the built-in default never produces one the ABI lacks.
func TestBuiltinCategories(t *testing.T) {
	if !slices.Equal(bounce.Categories, Categories) {
		t.Fatalf("sdk/go/bounce categories %v\nhost categories %v", bounce.Categories, Categories)
	}
}

// TestDefaultClassify: the built-in default gives the shared rules'
// category and action, and no traffic control.
func TestDefaultClassify(t *testing.T) {
	for _, tc := range []struct {
		in   ClassifyInput
		want Classification
	}{
		{ClassifyInput{Code: 550, Enhanced: "5.1.1", Text: "user unknown"}, Classification{Category: CategoryInvalidRecipient}},
		{ClassifyInput{Code: 452, Enhanced: "4.5.3", Text: "Too many recipients"}, Classification{Category: CategoryTooManyRecipients, Action: ActionRetry}},
		{ClassifyInput{Code: 550, Text: "Amazon SES has suppressed sending to this address"}, Classification{Category: CategorySuppressed, Action: ActionBounce}},
		{ClassifyInput{Code: 0, Text: "dial tcp 192.0.2.1:25: connect: connection refused"}, Classification{Category: CategoryBadConnection}},
		{ClassifyInput{Code: 0, Text: ""}, Classification{Category: CategoryBadConnection}},
	} {
		got, err := (&Default{}).Classify(context.Background(), &tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Classify(%+v) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range corpusInputs(t) {
		c, rule := ClassifyRule(&in)
		if !ValidCategory(c.Category) || rule == "" || c.Category != ClassifyResponse(&in) {
			t.Errorf("ClassifyRule(%+v) = %+v by %q", in, c, rule)
		}
	}
}

package policy

import "github.com/wasmta/wasmta/sdk/go/bounce"

// ClassifyResponse is the built-in bounce classifier's category for a
// response.
func ClassifyResponse(in *ClassifyInput) string {
	return bounce.ClassifyAt(in.Stage, in.Code, in.Enhanced, in.Text).Category
}

// ClassifyRule is the built-in classification of a response and the name
// of the rule that decided it (sdk/go/bounce ranks the evidence: a
// specific enhanced code, documented provider texts, phrases that name a
// cause, the code's subject, generic words, the stage a generic refusal
// answered, the reply code).
func ClassifyRule(in *ClassifyInput) (Classification, string) {
	r := bounce.ClassifyAt(in.Stage, in.Code, in.Enhanced, in.Text)
	return Classification{Category: r.Category, Action: actionOf(r.Action)}, r.Rule()
}

func actionOf(a bounce.Action) Action {
	switch a {
	case bounce.Retry:
		return ActionRetry
	case bounce.Bounce:
		return ActionBounce
	}
	return ActionDefault
}

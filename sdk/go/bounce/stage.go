package bounce

// ClassifyAt is Classify for a reply to a known stage of the SMTP session
// (ClassifyInput.Stage: "connect", "banner", "ehlo", "mail", "rcpt",
// "data", ...; in band, or as a bounce states it: "after initial
// connection", "in reply to RCPT TO command"; "" when unknown). The
// stage adds one rule, below the reply's own words: a permanent refusal
// (5xx) of the greeting or of EHLO/HELO that says no more than generic
// words ("550 Rejected", "550 Access denied") or nothing but its class
// refuses the sending host before any sender, recipient or message was
// named, so it is a host block (SpamBlock; Sisimai's "blocked" for a
// refusal at connection or EHLO). A reply that names a cause, a specific
// enhanced code or a reply code of one meaning keeps its category.
func ClassifyAt(stage string, code int, enhanced, text string) Result {
	r := Classify(code, enhanced, text)
	if code/100 != 5 || r.Tier != "word" && r.Tier != "class" {
		return r
	}
	switch stage {
	case "connect", "banner", "greeting", "ehlo", "helo", "lhlo":
		return Result{SpamBlock, actionOf(SpamBlock), "stage", stage}
	}
	return r
}

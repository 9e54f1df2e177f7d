package bounce

// ClassifyAt is Classify for a reply to a known stage of the SMTP session
// (ClassifyInput.Stage: "connect", "banner", "ehlo", "mail", "rcpt",
// "data", ...; in band, or as a bounce states it: "after initial
// connection", "in reply to RCPT TO command"; "" when unknown: then it is
// Classify). The stage adds two rules, below the reply's own codes and
// provider texts:
//   - a permanent refusal (5xx) of the greeting or of EHLO/HELO that says
//     no more than generic words ("550 Rejected", "550 Access denied") or
//     nothing but its class refuses the sending host before any sender,
//     recipient or message was named, so it is a host block (SpamBlock;
//     Sisimai's "blocked" for a refusal at connection or EHLO);
//   - a spam verdict in words ("554 5.7.1 Rejected as spam", "550 High
//     probability of spam") given before DATA (at the greeting, EHLO,
//     MAIL or RCPT) judged no content, because none was sent: it judged
//     the sending host or sender, a block (SpamBlock; Sisimai's
//     SpamDetected never decides at those commands, which leaves the
//     reply to its blocked and rejected rules). A provider text or a
//     code keeps its category.
//
// A reply that names another cause, a specific enhanced code or a reply
// code of one meaning keeps its category.
func ClassifyAt(stage string, code int, enhanced, text string) Result {
	r := Classify(code, enhanced, text)
	switch {
	case stage == "":
	case r.Category == SpamContent && r.Tier == "text" && beforeData(stage):
		return Result{SpamBlock, actionOf(SpamBlock), "stage", stage}
	case code/100 == 5 && (r.Tier == "word" || r.Tier == "class") && atGreeting(stage):
		return Result{SpamBlock, actionOf(SpamBlock), "stage", stage}
	}
	return r
}

// atGreeting reports whether stage is the greeting or EHLO/HELO/LHLO.
func atGreeting(stage string) bool {
	switch stage {
	case "connect", "banner", "greeting", "ehlo", "helo", "lhlo":
		return true
	}
	return false
}

// beforeData reports whether stage comes before the message was sent.
func beforeData(stage string) bool {
	return atGreeting(stage) || stage == "mail" || stage == "rcpt"
}

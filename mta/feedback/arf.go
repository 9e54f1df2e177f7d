package feedback

import "strings"

// parseARF reads an RFC 5965 feedback report: the machine-readable part's
// fields, one recipient per Original-Rcpt-To, else per address in the
// quoted original's To (a report that hides the recipient, as many
// feedback loops do, has one recipient with no address).
func parseARF(r *Report, m *msg) {
	r.Kind = KindFeedback
	h, _ := parseHeader(m.find("message/feedback-report").body)
	r.FeedbackType = strings.ToLower(strings.TrimSpace(h.get("feedback-type")))
	r.SourceIP = strings.Trim(strings.TrimSpace(h.get("source-ip")), "[]")
	r.OriginalMailFrom = dsnAddress(h.get("original-mail-from"))
	r.UserAgent = h.get("user-agent")
	r.ReportingMTA = dsnText(h.get("reporting-mta"))
	var rcpts []string
	for _, v := range h.all("original-rcpt-to") {
		if a := dsnAddress(v); a != "" {
			rcpts = append(rcpts, a)
		}
	}
	if len(rcpts) == 0 && r.Original != nil {
		rcpts = r.Original.To
	}
	if len(rcpts) == 0 {
		rcpts = []string{""}
	}
	for _, a := range rcpts {
		r.Recipients = append(r.Recipients, Recipient{Kind: KindFeedback, Address: a})
	}
}

package feedback

import (
	"regexp"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// Line is what `wasmta feedback parse` prints for one reported recipient:
// one JSON object per line.
type Line struct {
	File      string `json:"file,omitempty"`
	Kind      Kind   `json:"kind"`
	Recipient string `json:"recipient,omitempty"`
	// FinalRecipient is a DSN's Final-Recipient when it differs from
	// the recipient the sender specified (an alias's or forwarding's
	// target).
	FinalRecipient string `json:"final_recipient,omitempty"`
	Action         string `json:"action,omitempty"`
	Status         string `json:"status,omitempty"`
	Code           int    `json:"code,omitempty"`
	Diagnostic     string `json:"diagnostic,omitempty"`
	Category       string `json:"category,omitempty"`
	FeedbackType   string `json:"feedback_type,omitempty"`
	SourceIP       string `json:"source_ip,omitempty"`
	RemoteMTA      string `json:"remote_mta,omitempty"`
	// Stage is the SMTP stage the reply answered, when the report says.
	Stage        string `json:"stage,omitempty"`
	ReportingMTA string `json:"reporting_mta,omitempty"`
	// OriginalMessageID is the Message-ID of the quoted original.
	OriginalMessageID string `json:"original_message_id,omitempty"`
}

// Classifier names a bounce's category from a ClassifyInput: a tenant's
// classify hook, or policy.ClassifyResponse.
type Classifier func(*policy.ClassifyInput) string

// Lines returns one Line per recipient (one Line with no recipient for a
// report that names none), bounces classified by classify.
func (r *Report) Lines(file string, classify Classifier) []Line {
	base := Line{File: file, Kind: r.Kind, FeedbackType: r.FeedbackType, SourceIP: r.SourceIP, ReportingMTA: r.ReportingMTA}
	if r.Original != nil {
		base.OriginalMessageID = r.Original.MessageID
	}
	if len(r.Recipients) == 0 {
		return []Line{base}
	}
	out := make([]Line, 0, len(r.Recipients))
	for i := range r.Recipients {
		rc := &r.Recipients[i]
		l := base
		l.Kind, l.Recipient, l.FinalRecipient, l.Action, l.Status, l.Code = rc.Kind, rc.Address, rc.Final, rc.Action, rc.Status, rc.Code
		l.Diagnostic, l.RemoteMTA, l.Stage = rc.Diagnostic, rc.RemoteMTA, rc.Stage
		if rc.Kind == KindBounce && classify != nil {
			l.Category = classify(rc.ClassifyInput(""))
		}
		out = append(out, l)
	}
	return out
}

// ClassifyInput is the classify hook's input for a bounced recipient:
// the same fields as an in-band reply, marked out of band. Code is the
// reply code the report quotes, 0 when it quotes none, as in band for a
// failure without a reply: the classifier then reads the status and the
// text as such (X.4.1 "no answer from host" is specific only without a
// reply, "Network error", "connection timed out" are what happened), where
// a code made up from the status's class (550, 450) would have claimed a
// reply that said nothing more.
//
// The classifier is given the evidence as the remote server gave it:
//
//   - When the report quotes a reply that carries no enhanced code of its
//     own ("553 Sender Policy Framework (SPF) fail"), the recipient's
//     status is the reporting MTA's translation of the bare reply code
//     (Sendmail's 5.1.1 or 5.1.3 for any 553, RFC 5321's stock meaning of
//     the code), which says no more than the code does; Enhanced is then
//     empty, and the code and the reply's words decide (RFC 3464 2.3.4
//     and 2.3.6: the Status field is the reporting MTA's, the
//     Diagnostic-Code the remote's own). The Line keeps the status.
//   - When the diagnostic is the notice's own words (no reply code), the
//     words with which it points at its list of recipients ("Delivery to
//     the following recipient failed permanently:", "has not yet been
//     delivered to all its recipients") say whom, as the addresses do,
//     not why: they are left out of Text, so that a notice that states no
//     cause is read as one (RFC 3463's class of its status), not as a
//     refused recipient.
func (rc *Recipient) ClassifyInput(tenant string) *policy.ClassifyInput {
	_, domain, _ := strings.Cut(rc.Address, "@")
	enhanced, text := rc.Status, rc.Diagnostic
	if rc.Code != 0 && findStatus(rc.Diagnostic) == "" {
		enhanced = ""
	}
	if rc.Code == 0 {
		text = withoutListRefs(text)
	}
	return &policy.ClassifyInput{Tenant: tenant, Domain: strings.ToLower(domain), Stage: rc.Stage, Code: rc.Code,
		Enhanced: enhanced, Text: text, OutOfBand: true}
}

// listRefRE matches the words with which a notice points at the list of
// recipients it reports: "(to) the following recipient(s)", "the listed
// addresses", "(to) all its recipients", "one or more of the
// recipients", Haraka's "Some recipients failed".
var listRefRE = regexp.MustCompile(`(?i)(?:\b(?:to|for)\s+)?\b(?:(?:the|these|those)\s+)?(?:following|listed|above|below)\s+(?:e-?mail\s+)?(?:recipients?|addresse?s?|destinations?)(?:\(e?s\))?|(?:\b(?:to|for)\s+)?\b(?:all|some|several|one or more)\s+(?:of\s+)?(?:(?:its|the|your)\s+)?recipients(?:\(s\))?`)

// withoutListRefs returns s without the words that point at a notice's
// list of recipients (listRefRE).
func withoutListRefs(s string) string {
	if !listRefRE.MatchString(s) {
		return s
	}
	return strings.Join(strings.Fields(listRefRE.ReplaceAllString(s, " ")), " ")
}

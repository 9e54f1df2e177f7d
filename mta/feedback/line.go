package feedback

import (
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// Line is what `wasmta feedback parse` prints for one reported recipient:
// one JSON object per line.
type Line struct {
	File         string `json:"file,omitempty"`
	Kind         Kind   `json:"kind"`
	Recipient    string `json:"recipient,omitempty"`
	Action       string `json:"action,omitempty"`
	Status       string `json:"status,omitempty"`
	Code         int    `json:"code,omitempty"`
	Diagnostic   string `json:"diagnostic,omitempty"`
	Category     string `json:"category,omitempty"`
	FeedbackType string `json:"feedback_type,omitempty"`
	SourceIP     string `json:"source_ip,omitempty"`
	RemoteMTA    string `json:"remote_mta,omitempty"`
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
		l.Kind, l.Recipient, l.Action, l.Status, l.Code = rc.Kind, rc.Address, rc.Action, rc.Status, rc.Code
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
func (rc *Recipient) ClassifyInput(tenant string) *policy.ClassifyInput {
	_, domain, _ := strings.Cut(rc.Address, "@")
	return &policy.ClassifyInput{Tenant: tenant, Domain: strings.ToLower(domain), Stage: rc.Stage, Code: rc.Code,
		Enhanced: rc.Status, Text: rc.Diagnostic, OutOfBand: true}
}

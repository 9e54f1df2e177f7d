package feedback

import (
	"strings"
)

// Kind is what a report, or one of its recipients, says happened.
type Kind string

// Kinds of reports.
const (
	KindBounce    Kind = "bounce"    // delivery failed (or is delayed: Action "delayed")
	KindFeedback  Kind = "feedback"  // a complaint or other ARF report
	KindAutoreply Kind = "autoreply" // a vacation or other automatic reply: never a bounce
	KindDelivered Kind = "delivered" // a success DSN (delivered, relayed, expanded)
	KindUnknown   Kind = "unknown"   // not understood
)

// Recipient is what a report says about one address.
type Recipient struct {
	Kind     Kind
	Address  string // Final-Recipient, else Original-Recipient, else the address a text names
	Original string // Original-Recipient, when given
	// Action is the DSN action (failed, delayed, delivered, relayed,
	// expanded); for a non-standard bounce "failed" or "delayed" from its
	// wording.
	Action string
	// Status is the enhanced status code (RFC 3463): the Status field, or
	// the most specific code in the diagnostic, else the reply code's
	// class (5.0.0, 4.0.0), else the notice's wording.
	Status         string
	Code           int    // the SMTP reply code in the diagnostic, 0 when none
	Diagnostic     string // the remote server's reply or the notice's reason, one line
	DiagnosticType string // "smtp", "x-unix", ... from Diagnostic-Code
	RemoteMTA      string
	// Stage is the SMTP stage the quoted reply answered, as the report
	// states it (stage.go), in ClassifyInput.Stage's names: "banner",
	// "ehlo", "starttls", "auth", "mail", "rcpt", "data"; "" when it does
	// not say.
	Stage string
}

// Original is the header of the message a report quotes (ARF's
// message/rfc822 part, a DSN's returned message or headers, the copy at
// the end of a non-standard bounce).
type Original struct {
	MessageID string
	From      string
	To        []string
	Subject   string
	header    header
}

// Get returns the first value of the original's header field name.
func (o *Original) Get(name string) string { return o.header.get(strings.ToLower(name)) }

// All returns every value of the original's header field name, in order.
func (o *Original) All(name string) []string { return o.header.all(strings.ToLower(name)) }

// Report is one parsed message.
type Report struct {
	Kind       Kind
	Recipients []Recipient
	// ReportingMTA is the DSN's Reporting-MTA, or ARF's Reporting-MTA.
	ReportingMTA string
	// From and Subject are the report's own, for records and debugging.
	From    string
	Subject string

	// ARF fields.
	FeedbackType     string
	SourceIP         string
	OriginalMailFrom string
	UserAgent        string

	Original *Original // nil when the report quotes nothing
}

// Parse reads one message. It never fails: what it cannot understand is a
// report of KindUnknown with no recipients.
func Parse(raw []byte) *Report {
	h, body := parseHeader(raw)
	var parts []entity
	walk(h, body, 0, &parts)
	r := &Report{Kind: KindUnknown, From: decodeWords(h.get("from")), Subject: decodeWords(h.get("subject"))}
	m := &msg{top: h, parts: parts}
	r.Original = m.original()
	switch {
	case m.find("message/feedback-report") != nil:
		parseARF(r, m.find("message/feedback-report").body)
	case m.find("message/delivery-status", "message/global-delivery-status") != nil:
		parseDSN(r, m, m.find("message/delivery-status", "message/global-delivery-status").body)
	case m.sesOf() != nil:
		parseSES(r, m.sesOf())
	case m.inlineARF() != nil:
		parseARF(r, m.inlineARF())
	case m.isComplaint(r.Original):
		parseComplaint(r, m)
	case m.isUnsubscribe():
		parseUnsubscribe(r, m)
	case isAutoreply(m):
		parseAutoreply(r, m)
	default:
		if b := m.inlineDSN(); b != nil {
			parseDSN(r, m, b)
		} else {
			parseText(r, m)
		}
	}
	r.Kind = reportKind(r)
	return r
}

// reportKind sums up the recipients: a feedback or auto-reply report keeps
// its kind; a DSN is a bounce when any recipient failed or is delayed.
func reportKind(r *Report) Kind {
	if r.Kind == KindFeedback || r.Kind == KindAutoreply {
		return r.Kind
	}
	if len(r.Recipients) == 0 {
		return KindUnknown
	}
	for _, rc := range r.Recipients {
		if rc.Kind == KindBounce {
			return KindBounce
		}
	}
	return r.Recipients[0].Kind
}

// msg is a message being parsed: its top header and MIME leaves.
type msg struct {
	top    header
	parts  []entity
	notice *notice // noticeOf's result, computed once
	// Computed once per report for noticeDiagnostic, which a report of
	// many recipients calls for each.
	blocks     []textBlock
	inBlocks   func(string) bool
	lineAddrs  [][]string
	best       *string
	expiry     int8              // noticeExpired's answer: 0 not asked yet, 1 yes, 2 no
	tstage     *string           // noticeTranscriptStage's answer
	firstLine  map[string]int    // noticeStage: each address's first notice line
	blockStage map[string]string // noticeStage: each block's stage
}

// find returns the first leaf of one of the types, or nil.
func (m *msg) find(types ...string) *entity {
	for i := range m.parts {
		for _, t := range types {
			if m.parts[i].ctype == t {
				return &m.parts[i]
			}
		}
	}
	return nil
}

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
	Kind Kind
	// Address is the address the sender specified: the DSN's
	// Original-Recipient when it is an Internet address that stands for
	// this recipient alone, else its Final-Recipient; else the address a
	// text names.
	Address  string
	Original string // Original-Recipient, when given
	Final    string // Final-Recipient, when it is an Internet address other than Address
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
func Parse(raw []byte) *Report { return parse(raw, 0) }

// maxForwardDepth bounds how deep a forwarded bounce is looked for.
const maxForwardDepth = 2

func parse(raw []byte, depth int) *Report {
	h, body := parseHeader(raw)
	var parts []entity
	walk(h, body, 0, &parts)
	r := &Report{Kind: KindUnknown, From: decodeWords(h.get("from")), Subject: decodeWords(h.get("subject"))}
	m := &msg{top: h, parts: parts}
	r.Original = m.original()
	switch {
	case m.find("message/feedback-report") != nil:
		parseARF(r, m.find("message/feedback-report").body)
	case m.deliveryStatus() != nil:
		parseDSN(r, m, m.deliveryStatus().body)
		if len(r.Recipients) == 0 {
			// an empty or unreadable delivery-status part: the notice
			// beside it still says who and why
			parseText(r, m)
		}
	case m.sesOf() != nil:
		parseSES(r, m.sesOf())
	case m.inlineARF() != nil:
		parseARF(r, m.inlineARF())
	case m.isComplaint(r.Original):
		parseComplaint(r, m)
	case m.isReturnedComplaint():
		r.Original = newOriginal(m.top)
		parseComplaint(r, m)
		r.OriginalMailFrom = "" // the top Return-Path is the loop's, not the author's
	case m.isUnsubscribe():
		parseUnsubscribe(r, m)
	case isAutoreply(m):
		parseAutoreply(r, m)
	case depth < maxForwardDepth && m.forwardedBounce() != nil:
		// a bounce forwarded as an attachment by a message that says
		// nothing itself: the bounce's report
		return parse(m.forwardedBounce(), depth+1)
	default:
		if b := m.inlineDSN(); b != nil {
			parseDSN(r, m, b)
			// the fields pasted into a notice may cover only some of
			// the recipients its sentences name (a paste cut short):
			// the others are read from the sentences
			var t Report
			parseText(&t, m)
			for _, rc := range t.Recipients {
				if !hasRecipient(r.Recipients, rc.Address) && len(r.Recipients) < maxRecipients {
					r.Recipients = append(r.Recipients, rc)
				}
			}
		} else {
			parseText(r, m)
		}
		if len(r.Recipients) == 0 && (m.isAutoGenerated() || m.isUnmarkedAutoreply()) {
			parseAutoreply(r, m)
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

// deliveryStatus returns the report's delivery-status part: the first
// that holds RFC 3464 recipient fields, else the first of the type (some
// MTAs label their notice's text message/delivery-status too, before the
// real fields), or nil.
func (m *msg) deliveryStatus() *entity {
	var first *entity
	for i := range m.parts {
		if e := &m.parts[i]; isDSNType(e.ctype) {
			if hasDSNFields(e.body) {
				return e
			}
			if first == nil {
				first = e
			}
		}
	}
	return first
}

func isDSNType(ct string) bool {
	return ct == "message/delivery-status" || ct == "message/global-delivery-status"
}

// hasDSNFields reports whether a body holds an RFC 3464 recipient field
// at the start of a line.
func hasDSNFields(body []byte) bool {
	lower := asciiLower(body)
	return strings.HasPrefix(lower, "final-recipient:") || strings.HasPrefix(lower, "original-recipient:") ||
		strings.Contains(lower, "\nfinal-recipient:") || strings.Contains(lower, "\noriginal-recipient:")
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

// hasRecipient reports whether a recipient names a, as the address
// reported or as its original or final form.
func hasRecipient(rcpts []Recipient, a string) bool {
	for _, rc := range rcpts {
		if strings.EqualFold(rc.Address, a) || a != "" && (strings.EqualFold(rc.Original, a) || strings.EqualFold(rc.Final, a)) {
			return true
		}
	}
	return false
}

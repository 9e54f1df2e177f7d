package feedback

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Amazon SES reports bounces, complaints and deliveries as JSON
// notifications (docs.aws.amazon.com/ses/latest/dg/notification-contents.html),
// which reach a mailbox as the text of an SNS email subscription: the
// notification itself, or an SNS envelope whose "Message" string holds it.
// A sender that relays through SES and subscribes an address gets these
// instead of DSNs.

type sesNotification struct {
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID string   `json:"messageId"`
		Source    string   `json:"source"`
		Headers   []sesHdr `json:"headers"`
		Common    struct {
			From      []string `json:"from"`
			To        []string `json:"to"`
			MessageID string   `json:"messageId"`
			Subject   string   `json:"subject"`
		} `json:"commonHeaders"`
	} `json:"mail"`
	Bounce struct {
		BounceType    string `json:"bounceType"`
		BounceSubType string `json:"bounceSubType"`
		Recipients    []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
		ReportingMTA string `json:"reportingMTA"`
		RemoteMTAIP  string `json:"remoteMtaIp"`
	} `json:"bounce"`
	Complaint struct {
		Recipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		FeedbackType string `json:"complaintFeedbackType"`
		UserAgent    string `json:"userAgent"`
	} `json:"complaint"`
	Delivery struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		ReportingMTA string   `json:"reportingMTA"`
		RemoteMTAIP  string   `json:"remoteMtaIp"`
	} `json:"delivery"`
}

type sesHdr struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// sesOf returns the SES notification a text part carries, or nil.
func (m *msg) sesOf() *sesNotification {
	for _, e := range m.parts {
		if !strings.HasPrefix(e.ctype, "text/plain") || !bytes.Contains(e.body, []byte("notificationType")) {
			continue
		}
		if n := decodeSES(e.body); n != nil {
			return n
		}
	}
	return nil
}

// decodeSES reads the first JSON object in b as a notification, or as an
// SNS envelope around one. Sendmail breaks lines longer than its limit
// with "!" and a continuation ("!\n "): those are joined first.
func decodeSES(b []byte) *sesNotification {
	i := bytes.IndexByte(b, '{')
	if i < 0 {
		return nil
	}
	b = bytes.ReplaceAll(b[i:], []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("!\n "), nil)
	var outer struct {
		sesNotification
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&outer); err != nil {
		return nil
	}
	n := outer.sesNotification
	if n.NotificationType == "" && outer.Message != "" {
		if err := json.Unmarshal([]byte(outer.Message), &n); err != nil {
			return nil
		}
	}
	switch n.NotificationType {
	case "Bounce", "Complaint", "Delivery":
		return &n
	}
	return nil
}

// parseSES fills the report from a notification: a bounce's recipients
// with their action, status and diagnostic (SES's bounce type when it
// quotes no reply), a complaint's recipients as a feedback report (type
// "abuse" when SES names none: its complaints come from feedback loops),
// a delivery's recipients as delivered; the original's header from the
// notification's copy of it.
func parseSES(r *Report, n *sesNotification) {
	r.Original = sesOriginal(n)
	r.OriginalMailFrom = n.Mail.Source
	switch n.NotificationType {
	case "Bounce":
		b := &n.Bounce
		r.Kind = KindBounce
		r.ReportingMTA = dsnText(b.ReportingMTA)
		for _, br := range b.Recipients {
			rc := Recipient{Address: dsnAddress(br.EmailAddress), Action: strings.ToLower(br.Action),
				Status: findStatus(br.Status), RemoteMTA: b.RemoteMTAIP}
			setRecipientField(&rc, field{"diagnostic-code", br.DiagnosticCode})
			if rc.Diagnostic == "" {
				rc.Diagnostic = oneLine(strings.TrimSpace(b.BounceType + " bounce: " + b.BounceSubType))
			}
			if rc.Action == "" {
				rc.Action = "failed"
			}
			if rc.Status == "" && findStatus(rc.Diagnostic) == "" && findCode(rc.Diagnostic) == 0 {
				rc.Status = "5.0.0"
				if b.BounceType == "Transient" {
					rc.Status = "4.0.0"
				}
			}
			finishRecipient(&rc)
			r.Recipients = append(r.Recipients, rc)
		}
	case "Complaint":
		c := &n.Complaint
		r.Kind = KindFeedback
		r.FeedbackType = strings.ToLower(strings.TrimSpace(c.FeedbackType))
		if r.FeedbackType == "" {
			r.FeedbackType = "abuse"
		}
		r.UserAgent = c.UserAgent
		for _, cr := range c.Recipients {
			r.Recipients = append(r.Recipients, Recipient{Kind: KindFeedback, Address: dsnAddress(cr.EmailAddress)})
		}
		if len(r.Recipients) == 0 {
			r.Recipients = []Recipient{{Kind: KindFeedback}}
		}
	case "Delivery":
		d := &n.Delivery
		r.ReportingMTA = dsnText(d.ReportingMTA)
		for _, a := range d.Recipients {
			rc := Recipient{Address: dsnAddress(a), Action: "delivered", Diagnostic: oneLine(d.SMTPResponse), RemoteMTA: d.RemoteMTAIP}
			finishRecipient(&rc)
			r.Recipients = append(r.Recipients, rc)
		}
	}
}

// sesOriginal is the header of the message a notification is about: the
// header fields SES copies (all of them, unless truncated), else its
// common headers.
func sesOriginal(n *sesNotification) *Original {
	var h header
	for _, f := range n.Mail.Headers {
		if f.Name != "" {
			h = append(h, field{strings.ToLower(f.Name), strings.TrimSpace(f.Value)})
		}
	}
	if len(h) == 0 {
		c := &n.Mail.Common
		for _, v := range c.From {
			h = append(h, field{"from", v})
		}
		for _, v := range c.To {
			h = append(h, field{"to", v})
		}
		if c.MessageID != "" {
			h = append(h, field{"message-id", c.MessageID})
		}
		if c.Subject != "" {
			h = append(h, field{"subject", c.Subject})
		}
	}
	return newOriginal(h)
}

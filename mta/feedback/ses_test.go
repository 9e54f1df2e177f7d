package feedback

import (
	"encoding/json"
	"testing"
)

const sesHead = "From: Notifications <no-reply@sns.amazonaws.com>\nTo: ops@example.com\nSubject: AWS Notification Message\nContent-Type: text/plain; charset=UTF-8\n\n"

const sesBounce = `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",` +
	`"bouncedRecipients":[{"emailAddress":"gone@example.org","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 <gone@example.org>: no such user"},` +
	`{"emailAddress":"Full <full@example.net>"}],"reportingMTA":"dsn; out-7.example.com","remoteMtaIp":"192.0.2.8"},` +
	`"mail":{"messageId":"0101-abc","source":"bounces+tok@bounce.example.com","headers":[{"name":"Message-ID","value":"<m7@example.com>"},` +
	`{"name":"Return-Path","value":"<bounces+tok@bounce.example.com>"}],"commonHeaders":{"to":["gone@example.org"]}}}`

// TestSESNotifications: Amazon SES's JSON notifications, bare or in an
// SNS envelope, and folded by Sendmail's long-line breaks.
func TestSESNotifications(t *testing.T) {
	complaint := `{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"user@isp.example"}],"userAgent":"FBL"},` +
		`"mail":{"source":"app@example.com","commonHeaders":{"from":["app@example.com"],"to":["user@isp.example"],"messageId":"<m8@example.com>","subject":"hi"}}}`
	envelope, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "x", "Message": complaint})
	delivery := `{"notificationType":"Delivery","delivery":{"recipients":["ok@example.org"],"smtpResponse":"250 2.6.0 Message received","reportingMTA":"out-7.example.com"},"mail":{}}`
	folded := sesBounce[:200] + "!\n " + sesBounce[200:]

	for _, tt := range []struct {
		name  string
		body  string
		kind  Kind
		want  []Recipient
		ftype string
		msgID string
	}{
		{"bounce", sesBounce + "\n\n--\nIf you wish to stop receiving notifications from this topic, unsubscribe.\n", KindBounce, []Recipient{
			{Kind: KindBounce, Address: "gone@example.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "550 5.1.1 <gone@example.org>: no such user", RemoteMTA: "192.0.2.8"},
			{Kind: KindBounce, Address: "full@example.net", Action: "failed", Status: "5.0.0", Diagnostic: "Permanent bounce: General", RemoteMTA: "192.0.2.8"},
		}, "", "m7@example.com"},
		{"folded bounce", folded, KindBounce, []Recipient{
			{Kind: KindBounce, Address: "gone@example.org", Action: "failed", Status: "5.1.1", Code: 550, Diagnostic: "no such user", RemoteMTA: "192.0.2.8"},
			{Kind: KindBounce, Address: "full@example.net", Action: "failed", Status: "5.0.0", Diagnostic: "Permanent bounce", RemoteMTA: "192.0.2.8"},
		}, "", "m7@example.com"},
		{"complaint in an SNS envelope", string(envelope), KindFeedback, []Recipient{{Kind: KindFeedback, Address: "user@isp.example"}}, "abuse", "m8@example.com"},
		{"delivery", delivery, KindDelivered, []Recipient{
			{Kind: KindDelivered, Address: "ok@example.org", Action: "delivered", Status: "2.6.0", Code: 250, Diagnostic: "Message received"},
		}, "", ""},
		{"not a notification", `{"notificationType":"Something"}`, KindUnknown, nil, "", ""},
		{"broken JSON", `{"notificationType":"Bounce","bounce":{`, KindUnknown, nil, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Parse(crlf(sesHead + tt.body))
			if r.Kind != tt.kind || len(r.Recipients) != len(tt.want) || r.FeedbackType != tt.ftype {
				t.Fatalf("kind %q type %q, %d recipients %+v", r.Kind, r.FeedbackType, len(r.Recipients), r.Recipients)
			}
			checkReport(t, r, tt.want, tt.msgID)
		})
	}
	if r := Parse(crlf(sesHead + sesBounce)); r.OriginalMailFrom != "bounces+tok@bounce.example.com" ||
		r.Original.Get("Return-Path") != "<bounces+tok@bounce.example.com>" || r.ReportingMTA != "out-7.example.com" {
		t.Errorf("bounce report %+v, original %+v", r, r.Original)
	}
}

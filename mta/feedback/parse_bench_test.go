package feedback

import (
	"strconv"
	"strings"
	"testing"
)

// BenchmarkParseManyRecipients: a DSN of 1,000 recipients without
// Diagnostic-Code, each named in a 1,000-line notice, so that every
// recipient's reason is looked up in the notice (once per report, not once
// per recipient).
func BenchmarkParseManyRecipients(b *testing.B) {
	var d strings.Builder
	d.WriteString("From: MAILER-DAEMON@mx.example.net\nSubject: Delivery Status Notification\nContent-Type: multipart/report; boundary=B\n\n--B\nContent-Type: text/plain\n\n")
	for i := range 1000 {
		d.WriteString("<u" + strconv.Itoa(i) + "@example.org>: 550 5.1.1 mailbox unknown\n")
	}
	d.WriteString("--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n")
	for i := range 1000 {
		d.WriteString("Final-Recipient: rfc822; u" + strconv.Itoa(i) + "@example.org\nAction: failed\nStatus: 5.1.1\n\n")
	}
	d.WriteString("--B--\n")
	raw := []byte(d.String())
	if r := Parse(raw); len(r.Recipients) != 1000 || !strings.Contains(r.Recipients[999].Diagnostic, "mailbox unknown") {
		b.Fatalf("%d recipients, last %+v", len(r.Recipients), r.Recipients[len(r.Recipients)-1])
	}
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for range b.N {
		Parse(raw)
	}
}

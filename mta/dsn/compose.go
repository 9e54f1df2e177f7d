package dsn

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Report is what a delivery status notification says about one message.
type Report struct {
	Reporter   string    // host name of the reporting MTA
	MessageID  string    // wasmta id of the original message
	Sender     string    // original envelope sender: the report goes to it
	ArrivedAt  time.Time // when the original was accepted
	Recipients []Failure
	// Header is the original message's header block (CRLF lines, no
	// blank line after it); nil leaves out the text/rfc822-headers part.
	Header []byte
}

// Failure is one recipient that will not be delivered.
type Failure struct {
	Recipient  string
	Status     string // RFC 3463 x.y.z
	Diagnostic string // the last SMTP reply, "550 5.1.1 no such user"; "" when none
	RemoteMTA  string // host that gave it; "" when none
	LastTry    time.Time
	Expired    bool
}

// StatusOf is the RFC 3463 status of a reply: its enhanced code, else one
// derived from the reply class; expiry is 4.4.7 (delivery time expired).
func StatusOf(code int, enhanced string, expired bool) string {
	switch {
	case expired:
		return "4.4.7"
	case validStatus(enhanced):
		return enhanced
	case code >= 500:
		return "5.0.0"
	case code >= 400:
		return "4.0.0"
	}
	return "5.0.0"
}

func validStatus(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || (parts[0] != "4" && parts[0] != "5") {
		return false
	}
	for _, p := range parts[1:] {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

// Compose returns the report as a message: a multipart/report
// (report-type=delivery-status) with a human-readable part and the
// message/delivery-status part, from MAILER-DAEMON of the reporter.
func Compose(r Report, now time.Time) []byte {
	boundary := "wasmta-dsn-" + randomHex(12)
	var b bytes.Buffer
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", fmt.Sprintf("Mail Delivery System <MAILER-DAEMON@%s>", r.Reporter))
	hdr("To", "<"+r.Sender+">")
	hdr("Subject", "Undelivered Mail Returned to Sender")
	hdr("Date", now.Format(time.RFC1123Z))
	hdr("Message-ID", fmt.Sprintf("<dsn.%s.%s@%s>", r.MessageID, randomHex(4), r.Reporter))
	hdr("Auto-Submitted", "auto-replied") // RFC 3834: do not answer it
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", fmt.Sprintf("multipart/report; report-type=delivery-status;\r\n\tboundary=%q", boundary))
	b.WriteString("\r\nThis is a MIME-encapsulated delivery status notification.\r\n")
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", boundary)
	writeHuman(&b, r)
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: message/delivery-status\r\n\r\n", boundary)
	writeStatus(&b, r)
	if len(r.Header) > 0 {
		fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: text/rfc822-headers\r\n\r\n", boundary)
		b.Write(r.Header)
	}
	fmt.Fprintf(&b, "\r\n--%s--\r\n", boundary)
	return b.Bytes()
}

func writeHuman(b *bytes.Buffer, r Report) {
	fmt.Fprintf(b, "This is the mail system at %s.\r\n\r\n", r.Reporter)
	fmt.Fprintf(b, "Your message %s, accepted on %s, could not be delivered\r\nto the following recipients:\r\n\r\n",
		r.MessageID, r.ArrivedAt.UTC().Format(time.RFC1123))
	for _, f := range r.Recipients {
		why := f.Diagnostic
		if f.Expired {
			why = "it stayed in the queue too long without being accepted"
			if f.Diagnostic != "" {
				why += "; last reply: " + f.Diagnostic
			}
		}
		if why == "" {
			why = "status " + f.Status
		}
		fmt.Fprintf(b, "<%s>: %s\r\n", f.Recipient, oneLine(why))
	}
}

// writeStatus writes the per-message fields, then one block of
// per-recipient fields per failure (RFC 3464 section 2.2 and 2.3).
func writeStatus(b *bytes.Buffer, r Report) {
	fmt.Fprintf(b, "Reporting-MTA: dns; %s\r\n", r.Reporter)
	fmt.Fprintf(b, "X-Wasmta-Message-ID: %s\r\n", r.MessageID)
	fmt.Fprintf(b, "Arrival-Date: %s\r\n", r.ArrivedAt.Format(time.RFC1123Z))
	for _, f := range r.Recipients {
		fmt.Fprintf(b, "\r\nFinal-Recipient: rfc822; %s\r\n", f.Recipient)
		b.WriteString("Action: failed\r\n")
		fmt.Fprintf(b, "Status: %s\r\n", f.Status)
		if f.RemoteMTA != "" {
			fmt.Fprintf(b, "Remote-MTA: dns; %s\r\n", f.RemoteMTA)
		}
		if f.Diagnostic != "" {
			fmt.Fprintf(b, "Diagnostic-Code: smtp; %s\r\n", oneLine(f.Diagnostic))
		}
		if !f.LastTry.IsZero() {
			fmt.Fprintf(b, "Last-Attempt-Date: %s\r\n", f.LastTry.Format(time.RFC1123Z))
		}
	}
}

// oneLine keeps a reply text from breaking the header-like fields.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

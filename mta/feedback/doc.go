// Package feedback reads the mail that comes back after delivery: delivery
// status notifications (RFC 3464, success notices included), complaint
// reports (RFC 5965 ARF), auto-replies (RFC 3834, vacation) and the
// non-standard bounce texts of MTAs that predate or ignore RFC 3464
// (qmail, Exim, old Postfix and Sendmail, Exchange, Domino, Courier, the
// webmail providers), recognised by their general shape, never by the text
// of one sample.
//
// Parse turns one message into a Report: its kind, one Recipient per
// reported address (address, action, status, diagnostic, remote MTA) and,
// for a complaint, the feedback type and source IP; plus the header of the
// quoted original message, so that the caller can match the report to the
// message it sent. It never fails: input it cannot understand is a report
// of kind "unknown". It never classifies (the caller hands each
// recipient's ClassifyInput to the classify policy) and never looks up,
// stores or suppresses anything.
//
// The MIME layer is its own, small and lenient (headers without a colon,
// missing closing boundaries, broken base64 and quoted-printable are read
// as far as they go), because bounces are written by the least careful
// software on the Internet; charsets are decoded with golang.org/x/text.
package feedback

// Package mime builds RFC 5322 / MIME messages from structured content: a
// text and/or HTML body, inline images referenced by Content-ID, and
// attachments. It is what the HTTP injection API turns a JSON "content"
// object into.
//
// It owns the MIME structure (multipart/alternative for text and HTML,
// inside multipart/related when there are inline parts, inside
// multipart/mixed when there are attachments; no multipart level that is
// not needed), the transfer encodings (7bit for ASCII text with short
// lines, quoted-printable for other text, base64 for attachments; encoded
// lines at most 76 characters, every line at most 998), header fields
// (RFC 2047 encoded words for non-ASCII text and display names, folding at
// 78 columns, RFC 2231 parameters for non-ASCII file names), CRLF line
// endings, and the Date and Message-ID fields.
//
// It never templates (the caller renders first), never signs, never
// validates envelope addresses and never reads files: attachments arrive as
// bytes. An Attachment is encoded once by NewPart, so a message sent in
// many personalised variants encodes its attachments once.
//
// Boundaries are "=_" followed by 32 random hex digits: "=_" cannot occur in
// quoted-printable or base64 text, and the random part cannot be guessed by
// the author of a 7bit part.
package mime

package mime

import (
	"bytes"
	"encoding/base64"
	"mime/quotedprintable"
)

// Transfer encodings.
const (
	SevenBit        = "7bit"
	QuotedPrintable = "quoted-printable"
	Base64          = "base64"
)

// crlfText returns s with every line ending (CRLF, LF, CR) made CRLF.
func crlfText(s string) []byte {
	out := make([]byte, 0, len(s)+len(s)/32)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\r':
			out = append(out, '\r', '\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// textEncoding picks 7bit for ASCII text whose lines all fit in 998
// characters and hold no NUL, and quoted-printable otherwise. text has
// CRLF line endings.
func textEncoding(text []byte) string {
	line := 0
	for _, c := range text {
		switch {
		case c == '\n':
			line = 0
			continue
		case c >= 0x80 || c == 0:
			return QuotedPrintable
		}
		if line++; line > maxLine {
			return QuotedPrintable
		}
	}
	return SevenBit
}

// encodeText returns text (CRLF line endings) in the transfer encoding
// textEncoding chooses for it, ending with CRLF.
func encodeText(text []byte) ([]byte, string) {
	enc := textEncoding(text)
	if enc == SevenBit {
		if len(text) > 0 && !bytes.HasSuffix(text, []byte("\r\n")) {
			text = append(text, '\r', '\n')
		}
		return text, enc
	}
	var buf bytes.Buffer
	buf.Grow(len(text) + len(text)/4)
	w := quotedprintable.NewWriter(&buf)
	w.Write(text) // a bytes.Buffer does not fail
	w.Close()
	out := buf.Bytes()
	if len(out) > 0 && !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return out, enc
}

// base64Lines is the number of input bytes per 76-character line.
const base64Lines = 57

// encodeBase64 returns data in base64, 76 characters per CRLF-ended line.
func encodeBase64(data []byte) []byte {
	enc := base64.StdEncoding
	lines := (len(data) + base64Lines - 1) / base64Lines
	out := make([]byte, 0, enc.EncodedLen(len(data))+2*lines)
	for len(data) > 0 {
		n := min(len(data), base64Lines)
		out = enc.AppendEncode(out, data[:n])
		out = append(out, '\r', '\n')
		data = data[n:]
	}
	return out
}

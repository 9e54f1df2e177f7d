package message

import "bytes"

// HeaderBlock returns the header block of a CRLF message (without the blank
// line that ends it), cut after the last whole field within limit bytes.
// A field that would be cut in its middle is left out with its folded
// lines, so the part never ends in a broken field.
func HeaderBlock(msg []byte, limit int) []byte {
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(msg)
	} else {
		end += 2 // keep the last field's CRLF
	}
	h := msg[:end]
	if len(h) <= limit {
		return h
	}
	cut := 0
	for i := 0; i+2 < limit; {
		nl := bytes.Index(h[i:limit], []byte("\r\n"))
		if nl < 0 {
			break
		}
		i += nl + 2
		if i < len(h) && h[i] != ' ' && h[i] != '\t' {
			cut = i // the next line starts a new field
		}
	}
	return h[:cut]
}

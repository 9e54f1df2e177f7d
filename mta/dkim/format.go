package dkim

import (
	"encoding/base64"
	"strconv"
)

// lineMax is the folding width of the DKIM-Signature field (RFC 5322
// recommends 78 characters per line).
const lineMax = 78

// layout holds choices of presentation that change no meaning but change
// the bytes, and so b=. The zero value is the production layout; the RFC 8463
// test sets the layout of the RFC's example to reproduce its signatures.
type layout struct {
	identifier bool // add i=@domain
	queryTag   bool // add q=dns/txt
	spacedH    bool // h=from : to rather than h=from:to
}

// sigWriter appends a folded header field to b, tracking the column.
type sigWriter struct {
	b   []byte
	col int
}

func (w *sigWriter) raw(s string) {
	w.b = append(w.b, s...)
	w.col += len(s)
}

// fold starts a new line when n more bytes, after a space, would pass
// lineMax, and writes that space otherwise.
func (w *sigWriter) fold(n int) {
	if w.col+1+n > lineMax {
		w.b = append(w.b, "\r\n "...)
		w.col = 1
		return
	}
	w.b = append(w.b, ' ')
	w.col++
}

// tag appends " name=value;" folding before it when needed.
func (w *sigWriter) tag(name, value string) { tagBytes(w, name, value) }

func tagBytes[V string | []byte](w *sigWriter, name string, value V) {
	w.fold(len(name) + len(value) + 2)
	w.b = append(w.b, name...)
	w.b = append(w.b, '=')
	w.b = append(w.b, value...)
	w.b = append(w.b, ';')
	w.col += len(name) + len(value) + 2
}

// tags appends every tag of the signature but the value of b=.
func (w *sigWriter) tags(k *key, ts int64, hList []string, bh []byte, l layout) {
	w.raw("DKIM-Signature:")
	w.tag("v", "1")
	w.tag("a", k.algo)
	w.tag("c", "relaxed/relaxed")
	w.tag("d", k.domain)
	if l.identifier {
		w.fold(len(k.domain) + 4)
		w.raw("i=@")
		w.raw(k.domain)
		w.raw(";")
	}
	if l.queryTag {
		w.tag("q", "dns/txt")
	}
	w.tag("s", k.selector)
	var num [20]byte
	tagBytes(w, "t", strconv.AppendInt(num[:0], ts, 10))
	w.hTag(hList, l.spacedH)
	var enc [44]byte // base64 of a SHA-256
	base64.StdEncoding.Encode(enc[:], bh)
	tagBytes(w, "bh", enc[:])
	w.fold(2)
	w.raw("b=")
}

func (w *sigWriter) hTag(names []string, spaced bool) {
	for i, name := range names {
		n := len(name)
		if i == len(names)-1 {
			n++ // the ';'
		}
		switch {
		case i == 0:
			w.fold(n + 2)
			w.raw("h=")
		case spaced:
			w.fold(1)
			w.raw(":")
			w.fold(n)
		case w.col+1+n > lineMax:
			w.raw(":\r\n ")
			w.col = 1
		default:
			w.raw(":")
		}
		w.raw(name)
	}
	w.raw(";")
}

// sigValue appends the base64 text of the signature, folded, and the final
// CRLF.
func (w *sigWriter) sigValue(text []byte) {
	for len(text) > 0 {
		room := lineMax - w.col
		if room <= 0 {
			w.b = append(w.b, "\r\n "...)
			w.col = 1
			continue
		}
		room = min(room, len(text))
		w.b = append(w.b, text[:room]...)
		w.col += room
		text = text[room:]
	}
	w.b = append(w.b, '\r', '\n')
}

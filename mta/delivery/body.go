package delivery

import (
	"bufio"
	"bytes"
	"encoding/binary"
)

// writeBody writes body as SMTP lines: every line ending (CRLF, bare LF or
// bare CR) becomes CRLF, a final line without one gets one, and with stuff
// set a line starting with "." gets another "." (RFC 5321 4.5.2). It
// returns the number of bytes written, and with w nil only counts them (BDAT
// needs the size before the bytes).
//
// Bare CR is turned into a line break, not passed on: a receiver that ends
// lines on CR alone would otherwise read "\r.\r" as the end of the data, and
// such a message could smuggle a second one past us.
func writeBody(w *bufio.Writer, body []byte, stuff bool) int {
	n := 0
	done := 0 // body[:done] is written
	for i := 0; i < len(body); {
		if stuff && body[i] == '.' {
			n += put(w, body[done:i]) + put(w, dot)
			done = i
		}
		end, next := lineEnd(body[i:])
		end, next = end+i, next+i
		if next-end != 2 { // bare CR, bare LF or no ending: write a CRLF instead
			n += put(w, body[done:end]) + put(w, crlf)
			done = next
		}
		i = next
	}
	return n + put(w, body[done:])
}

var (
	dot  = []byte{'.'}
	crlf = []byte{'\r', '\n'}
)

// lineEnd returns where the first line of b ends (its ending excluded) and
// where the next one starts.
func lineEnd(b []byte) (end, next int) {
	lf := bytes.IndexByte(b, '\n')
	limit := lf
	if lf < 0 {
		limit = len(b)
	}
	cr := bytes.IndexByte(b[:limit], '\r')
	switch {
	case cr >= 0 && cr == lf-1:
		return cr, lf + 1 // CRLF
	case cr >= 0:
		return cr, cr + 1 // bare CR
	case lf >= 0:
		return lf, lf + 1 // bare LF
	}
	return len(b), len(b)
}

func put(w *bufio.Writer, b []byte) int {
	if w != nil {
		w.Write(b) // errors stick in w and surface at Flush
	}
	return len(b)
}

// needs8bit reports whether body has bytes outside 7-bit ASCII, eight
// bytes at a time: it runs over every message.
func needs8bit(body []byte) bool {
	const high = 0x8080808080808080
	for len(body) >= 8 {
		if binary.LittleEndian.Uint64(body)&high != 0 {
			return true
		}
		body = body[8:]
	}
	for _, c := range body {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

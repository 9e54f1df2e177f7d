package delivery

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/wasmta/wasmta/mta/message"
)

// ErrProtocol marks replies that do not parse as SMTP; the session is not
// usable after one.
var ErrProtocol = errors.New("malformed SMTP reply")

const (
	maxReplyLines = 100
	maxInterned   = 256
)

// replyReader parses SMTP replies (RFC 5321 4.2) with their enhanced status
// codes (RFC 2034, RFC 3463). Texts are interned: a server repeats the same
// few replies thousands of times, and converting each to a new string would
// be the largest allocation per message.
type replyReader struct {
	r      *bufio.Reader
	strs   map[string]string
	scrach []byte
}

func newReplyReader(r *bufio.Reader) *replyReader {
	return &replyReader{r: r, strs: make(map[string]string)}
}

// read reads one complete, possibly multi-line, reply.
func (rr *replyReader) read() (message.Response, error) {
	var resp message.Response
	text := rr.scrach[:0]
	for n := 0; ; n++ {
		line, err := rr.r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return resp, fmt.Errorf("%w: line longer than %d bytes", ErrProtocol, rr.r.Size())
			}
			return resp, err
		}
		code, more, body, ok := splitLine(line)
		if !ok || (n > 0 && code != resp.Code) || n >= maxReplyLines {
			return resp, fmt.Errorf("%w: %q", ErrProtocol, trimEOL(line))
		}
		resp.Code = code
		enh, rest := splitEnhanced(body, code)
		// RFC 2034 4 has the code on every line of a reply; some servers
		// give it on the last line only (go-smtp's writer does), or on
		// some lines: the first line's code, else the first one given.
		if resp.Enhanced == "" && len(enh) > 0 {
			resp.Enhanced = rr.intern(enh)
		}
		if n > 0 {
			text = append(text, '\n')
		}
		text = append(text, rest...)
		if !more {
			break
		}
	}
	resp.Text = rr.intern(text)
	rr.scrach = text[:0]
	return resp, nil
}

// splitLine checks "ddd[ -]text\r\n" and returns its parts; a bare "ddd" line
// is accepted, as is a line ending in LF alone.
func splitLine(line []byte) (code int, more bool, text []byte, ok bool) {
	line = trimEOL(line)
	if len(line) < 3 {
		return 0, false, nil, false
	}
	for _, c := range line[:3] {
		if c < '0' || c > '9' {
			return 0, false, nil, false
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code > 599 {
		return 0, false, nil, false
	}
	if len(line) == 3 {
		return code, false, nil, true
	}
	switch line[3] {
	case '-':
		return code, true, line[4:], true
	case ' ':
		return code, false, line[4:], true
	}
	return 0, false, nil, false
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// splitEnhanced takes a leading "class.subject.detail " whose class matches
// the reply code off text.
func splitEnhanced(text []byte, code int) (enh, rest []byte) {
	if len(text) < 5 || text[0] != byte('0'+code/100) || text[1] != '.' {
		return nil, text
	}
	i, parts, digits := 2, 1, 0
	for ; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= '0' && c <= '9' && digits < 3:
			digits++
			continue
		case c == '.' && digits > 0 && parts < 2:
			parts, digits = parts+1, 0
			continue
		}
		break
	}
	if parts != 2 || digits == 0 || (i < len(text) && text[i] != ' ') {
		return nil, text
	}
	rest = text[i:]
	if len(rest) > 0 {
		rest = rest[1:]
	}
	return text[:i], rest
}

func (rr *replyReader) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := rr.strs[string(b)]; ok { // no allocation for the lookup
		return s
	}
	if len(rr.strs) >= maxInterned {
		clear(rr.strs)
	}
	s := string(b)
	rr.strs[s] = s
	return s
}

package feedback

import (
	"bytes"
	"regexp"
)

// postmarkRE matches an mbox message's first line (RFC 4155): "From ",
// the envelope sender, and an asctime date ("From MAILER-DAEMON  Thu Apr
// 29 23:34:45 2015"). Stricter than "From " at the start of a line, so
// that a body line beginning with the word is no separator.
var postmarkRE = regexp.MustCompile(`^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d\d:\d\d(?::\d\d)?`)

// maxMboxMessages bounds the messages read from one mbox file.
const maxMboxMessages = 1000

// SplitMbox returns the messages of an mbox file (RFC 4155: each starts
// with a "From " postmark line at the start of the file or after a blank
// line), or raw itself when it holds one message or none, or does not
// begin with a postmark.
func SplitMbox(raw []byte) [][]byte {
	var starts []int
	for i := 0; i < len(raw); {
		if (i == 0 || i >= 2 && raw[i-1] == '\n' && (raw[i-2] == '\n' || raw[i-2] == '\r' && i >= 3 && raw[i-3] == '\n')) &&
			bytes.HasPrefix(raw[i:], []byte("From ")) {
			end := bytes.IndexByte(raw[i:], '\n')
			if end < 0 {
				end = len(raw) - i
			}
			if postmarkRE.Match(raw[i : i+end]) {
				starts = append(starts, i)
				if len(starts) > maxMboxMessages {
					break
				}
			}
		}
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	if len(starts) < 2 || starts[0] != 0 {
		// One message, or none; or a message that is no mbox file (it
		// does not begin with a postmark) quoting postmark lines in its
		// body: cut there, its own header and report would be dropped.
		return [][]byte{raw}
	}
	out := make([][]byte, 0, len(starts))
	for k, s := range starts {
		if k == maxMboxMessages {
			break
		}
		e := len(raw)
		if k+1 < len(starts) {
			e = starts[k+1]
		}
		out = append(out, raw[s:e])
	}
	return out
}

package sink

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"strconv"
	"time"
)

const ehloReply = "250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 ENHANCEDSTATUSCODES\r\n"

// idHeader is the header whose value numbers a tracked message.
var idHeader = []byte("x-bench-id:")

// dkimHeader starts a signature field, which the sink counts.
var dkimHeader = []byte("dkim-signature:")

// ehloChunking is ehloReply with CHUNKING (SetChunking).
const ehloChunking = "250-sink\r\n250-CHUNKING\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 ENHANCEDSTATUSCODES\r\n"

// session is one SMTP connection.
type session struct {
	s     *Sink
	r     *bufio.Reader
	w     *bufio.Writer
	rcpts int

	// A message in BDAT chunks: its X-Bench-ID, whether its header
	// section was read, and the sample being kept (nil: none).
	chunkID     int64
	chunkHead   bool
	chunkSample []byte
	chunkKeep   bool
}

// idleTimeout ends a connection that says nothing for this long, so a
// client that vanished cannot pin a goroutine forever.
const idleTimeout = 2 * time.Minute

func serve(s *Sink, c net.Conn) {
	ss := &session{s: s, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 4<<10)}
	s.wait()
	ss.w.WriteString("220 sink ESMTP\r\n")
	for {
		// Answers to pipelined commands go out together, when the
		// client has nothing more buffered for us.
		if ss.r.Buffered() == 0 {
			if ss.w.Flush() != nil {
				return
			}
			c.SetReadDeadline(time.Now().Add(idleTimeout))
		}
		line, err := readLine(ss.r)
		if err != nil {
			return
		}
		if !ss.command(line) {
			ss.w.Flush()
			return
		}
	}
}

// readLine returns one line with its line ending. A line longer than the
// buffer comes back in pieces, which only DATA would see and it only looks
// for "." lines and headers.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return line, nil
	}
	return line, err
}

// command answers one command line; false ends the session.
func (ss *session) command(line []byte) bool {
	ss.s.wait()
	verb := line
	if i := bytes.IndexAny(line, " \r\n"); i >= 0 {
		verb = line[:i]
	}
	switch string(bytes.ToUpper(verb)) {
	case "EHLO":
		if ss.s.chunking.Load() {
			ss.w.WriteString(ehloChunking)
		} else {
			ss.w.WriteString(ehloReply)
		}
	case "HELO":
		ss.w.WriteString("250 sink\r\n")
	case "MAIL":
		if Mode(ss.s.mode.Load()) == StallMail {
			ss.w.Flush()
			<-ss.s.closed
			return false
		}
		ss.rcpts = 0
		ss.chunkID, ss.chunkHead, ss.chunkSample, ss.chunkKeep = -1, false, nil, false
		ss.w.WriteString("250 2.1.0 Ok\r\n")
	case "RCPT":
		if Mode(ss.s.mode.Load()) == TempFail {
			ss.s.rejected.Add(1)
			ss.w.WriteString("451 4.3.2 Deferred by the benchmark sink\r\n")
			return true
		}
		ss.rcpts++
		ss.w.WriteString("250 2.1.5 Ok\r\n")
	case "DATA":
		return ss.data()
	case "BDAT":
		if !ss.s.chunking.Load() {
			// The chunk's bytes would be read as commands: end here.
			ss.w.WriteString("502 5.5.1 CHUNKING not offered\r\n")
			return false
		}
		return ss.bdat(line)
	case "RSET":
		ss.rcpts = 0
		ss.w.WriteString("250 2.0.0 Ok\r\n")
	case "NOOP":
		ss.w.WriteString("250 2.0.0 Ok\r\n")
	case "QUIT":
		ss.w.WriteString("221 2.0.0 Bye\r\n")
		return false
	default:
		ss.w.WriteString("502 5.5.2 Command not implemented\r\n")
	}
	return true
}

// data reads a message up to the "." line and records it.
func (ss *session) data() bool {
	if ss.rcpts == 0 {
		ss.w.WriteString("554 5.5.1 No valid recipients\r\n")
		return true
	}
	ss.w.WriteString("354 End data with <CR><LF>.<CR><LF>\r\n")
	if ss.w.Flush() != nil {
		return false
	}
	inHeaders, bol := true, true
	ss.chunkID = -1
	var sample []byte
	keep := ss.s.wantSample.CompareAndSwap(true, false)
	for {
		line, err := readLine(ss.r)
		if err != nil {
			return false
		}
		if bol && isDot(line) {
			break
		}
		if keep {
			sample = appendUnstuffed(sample, line, bol)
		}
		wasBOL := bol
		bol = line[len(line)-1] == '\n'
		if inHeaders && wasBOL {
			inHeaders = !ss.header(line)
		}
	}
	if keep {
		ss.s.keepSample(sample)
	}
	ss.s.wait()
	ss.s.arrived(ss.rcpts, ss.chunkID)
	ss.rcpts = 0
	ss.w.WriteString("250 2.0.0 Ok: queued\r\n")
	return true
}

// header takes one line of a header section: it counts a DKIM-Signature
// field and keeps an X-Bench-ID in chunkID. It reports the blank line that
// ends the section.
func (ss *session) header(line []byte) bool {
	switch {
	case len(line) <= 2 && (line[0] == '\r' || line[0] == '\n'):
		return true
	case len(line) > len(dkimHeader) && bytes.EqualFold(line[:len(dkimHeader)], dkimHeader):
		ss.s.signatures.Add(1)
	case len(line) > len(idHeader) && bytes.EqualFold(line[:len(idHeader)], idHeader):
		if n, err := strconv.ParseInt(string(bytes.TrimSpace(line[len(idHeader):])), 10, 64); err == nil {
			ss.chunkID = n
		}
	}
	return false
}

// bdat takes one BDAT chunk (RFC 3030, offered with SetChunking): its bytes
// are read whatever the reply. The header section is looked for in the
// first chunk's first 64 KiB (the read buffer), as one complete lines; a
// client that splits it further is not counted as tracked. A command the
// sink cannot parse ends the session: the chunk's length is unknown.
func (ss *session) bdat(line []byte) bool {
	f := bytes.Fields(line)
	if len(f) < 2 || len(f) > 3 {
		return false
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 64)
	last := len(f) == 3 && bytes.EqualFold(f[2], []byte("LAST"))
	if err != nil || n < 0 || (len(f) == 3 && !last) {
		return false
	}
	first := !ss.chunkHead
	if first && ss.s.wantSample.CompareAndSwap(true, false) {
		ss.chunkKeep = true
	}
	for rem := n; rem > 0; {
		b, err := ss.r.Peek(int(min(rem, int64(ss.r.Size()))))
		if err != nil {
			return false
		}
		if first && !ss.chunkHead {
			for h := b; len(h) > 0 && !ss.chunkHead; {
				i := bytes.IndexByte(h, '\n')
				if i < 0 {
					break
				}
				ss.chunkHead = ss.header(h[:i+1])
				h = h[i+1:]
			}
			ss.chunkHead = true // looked at: later chunks are body
		}
		if ss.chunkKeep {
			ss.chunkSample = append(ss.chunkSample, b...)
		}
		ss.r.Discard(len(b))
		rem -= int64(len(b))
	}
	if !last {
		ss.w.WriteString("250 2.0.0 Ok\r\n")
		return true
	}
	if ss.rcpts == 0 {
		ss.w.WriteString("554 5.5.1 No valid recipients\r\n")
		return true
	}
	if ss.chunkKeep {
		ss.s.keepSample(ss.chunkSample)
	}
	ss.s.wait()
	ss.s.arrived(ss.rcpts, ss.chunkID)
	ss.rcpts = 0
	ss.chunkID, ss.chunkHead, ss.chunkSample, ss.chunkKeep = -1, false, nil, false
	ss.w.WriteString("250 2.0.0 Ok: queued\r\n")
	return true
}

// isDot reports whether line is the end-of-data line "." (CRLF or LF).
func isDot(line []byte) bool {
	return string(line) == ".\r\n" || string(line) == ".\n"
}

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

// session is one SMTP connection.
type session struct {
	s     *Sink
	r     *bufio.Reader
	w     *bufio.Writer
	rcpts int
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
		ss.w.WriteString(ehloReply)
	case "HELO":
		ss.w.WriteString("250 sink\r\n")
	case "MAIL":
		if Mode(ss.s.mode.Load()) == StallMail {
			ss.w.Flush()
			<-ss.s.closed
			return false
		}
		ss.rcpts = 0
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
	id, inHeaders, bol := int64(-1), true, true
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
		if !inHeaders || !wasBOL {
			continue
		}
		if len(line) <= 2 && (line[0] == '\r' || line[0] == '\n') {
			inHeaders = false
		} else if len(line) > len(dkimHeader) && bytes.EqualFold(line[:len(dkimHeader)], dkimHeader) {
			ss.s.signatures.Add(1)
		} else if len(line) > len(idHeader) && bytes.EqualFold(line[:len(idHeader)], idHeader) {
			if n, err := strconv.ParseInt(string(bytes.TrimSpace(line[len(idHeader):])), 10, 64); err == nil {
				id = n
			}
		}
	}
	if keep {
		ss.s.keepSample(sample)
	}
	ss.s.wait()
	ss.s.arrived(ss.rcpts, id)
	ss.rcpts = 0
	ss.w.WriteString("250 2.0.0 Ok: queued\r\n")
	return true
}

// isDot reports whether line is the end-of-data line "." (CRLF or LF).
func isDot(line []byte) bool {
	return string(line) == ".\r\n" || string(line) == ".\n"
}

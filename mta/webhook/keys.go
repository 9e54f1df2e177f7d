package webhook

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

const namespace = "webhook"

func segmentPrefix(name string) []byte {
	k := append([]byte{'q', 0}, name...)
	return append(k, 0)
}

func segmentKey(name string, seg uint64) []byte {
	return binary.BigEndian.AppendUint64(segmentPrefix(name), seg)
}

// parseSegmentKey splits a "q" key (without the namespace) into the
// webhook name and the segment number.
func parseSegmentKey(k []byte) (string, uint64, bool) {
	if len(k) < 2+1+8 || k[0] != 'q' || k[1] != 0 || k[len(k)-9] != 0 {
		return "", 0, false
	}
	return string(k[2 : len(k)-9]), binary.BigEndian.Uint64(k[len(k)-8:]), true
}

func cursorKey(name string) []byte { return append([]byte{'c', 0}, name...) }

// position is where a sender stands: the next record to send is record
// off of segment seg.
type position struct {
	seg uint64
	off int
}

func (p position) encode() []byte {
	b := binary.BigEndian.AppendUint64(nil, p.seg)
	return binary.BigEndian.AppendUint32(b, uint32(p.off))
}

func decodePosition(b []byte) (position, bool) {
	if len(b) != 12 {
		return position{}, false
	}
	return position{seg: binary.BigEndian.Uint64(b), off: int(binary.BigEndian.Uint32(b[8:]))}, true
}

// A stored segment is a header, when it was written (Unix ns), then the
// JSON lines.
const segmentHeader = 8

func putSegmentHeader(seg []byte, at time.Time) {
	binary.BigEndian.PutUint64(seg, uint64(at.UnixNano()))
}

// encodeSegment is the stored form of lines written at at.
func encodeSegment(at time.Time, lines []byte) []byte {
	b := make([]byte, segmentHeader, segmentHeader+len(lines))
	putSegmentHeader(b, at)
	return append(b, lines...)
}

// decodeSegment returns the write time and the lines (without their
// newlines) of a stored segment.
func decodeSegment(v []byte) (time.Time, [][]byte, bool) {
	if len(v) < 8 {
		return time.Time{}, nil, false
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
	var lines [][]byte
	for rest := v[8:]; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			lines = append(lines, rest)
			break
		}
		lines = append(lines, rest[:i])
		rest = rest[i+1:]
	}
	return at, lines, true
}

// encodeLine is the JSON line of a record, as the records file has it.
func encodeLine(r *events.Record) ([]byte, error) {
	line := events.AppendJSON(nil, r)
	if len(line) == 0 {
		return nil, errors.New("record cannot be encoded as JSON")
	}
	return line, nil
}

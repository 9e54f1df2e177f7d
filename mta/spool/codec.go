package spool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// Encoding versions, stored as the first byte of every envelope and state
// value. A reader that meets a version it does not know refuses the value
// instead of guessing; a new field means a new version and a decoder for it,
// the old decoder stays so that a spool written by an older release keeps
// working.
const (
	messageV1 = 1
	messageV2 = 2 // v1 and a uvarint of flags (flagRequireTLS)
	stateV1   = 1
	stateV2   = 2 // v1 and the pool and source to retry from (RetryPool, RetrySource)
)

// Flags of a v2 envelope. A message without any is written as v1, so a
// spool stays readable by a release that knows only v1 unless it holds a
// message that needs v2.
const flagRequireTLS = 1

const flagTimeSet = 1 // the value carries a time (else the zero time)

var errCorrupt = errors.New("corrupt value")

// encodeMessage appends the v1 encoding of m (without its ID, which is the
// key). ReceivedAt comes first so that decodeReceivedAt reads only a prefix.
func encodeMessage(dst []byte, m *message.Message) []byte {
	var flags uint64
	if m.RequireTLS {
		flags |= flagRequireTLS
	}
	if flags != 0 {
		dst = append(dst, messageV2)
	} else {
		dst = append(dst, messageV1)
	}
	dst = appendTime(dst, m.ReceivedAt)
	dst = binary.AppendVarint(dst, m.Size)
	for _, s := range [...]string{m.Tenant, m.Campaign, m.Sender, m.Peer, m.Helo, m.AuthUser, m.Protocol, m.Pool} {
		dst = appendString(dst, s)
	}
	dst = binary.AppendUvarint(dst, uint64(len(m.Recipients)))
	for _, r := range m.Recipients {
		dst = appendString(dst, r.Addr)
	}
	keys := make([]string, 0, len(m.Meta))
	for k := range m.Meta {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic bytes for equal messages
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		dst = appendString(dst, k)
		dst = appendString(dst, m.Meta[k])
	}
	if flags != 0 {
		dst = binary.AppendUvarint(dst, flags)
	}
	return dst
}

// decodeMessage decodes an envelope value stored under id. It never panics
// and never allocates more than the input can justify, whatever the bytes.
func decodeMessage(id message.ID, data []byte) (*message.Message, error) {
	d := decoder{buf: data}
	v := d.byte()
	if v != messageV1 && v != messageV2 {
		return nil, fmt.Errorf("spool: message %s: unknown encoding version %d", id, v)
	}
	m := &message.Message{ID: id, ReceivedAt: d.time(), Size: d.varint()}
	for _, p := range [...]*string{&m.Tenant, &m.Campaign, &m.Sender, &m.Peer, &m.Helo, &m.AuthUser, &m.Protocol, &m.Pool} {
		*p = d.string()
	}
	if n := d.count(); n > 0 {
		m.Recipients = make([]message.Recipient, n)
		for i := range m.Recipients {
			m.Recipients[i].Addr = d.string()
		}
	}
	if n := d.count(); n > 0 {
		m.Meta = make(map[string]string, n)
		for range n {
			k := d.string()
			m.Meta[k] = d.string()
		}
	}
	if v == messageV2 {
		m.RequireTLS = d.uvarint()&flagRequireTLS != 0
	}
	if err := d.finish(); err != nil {
		return nil, fmt.Errorf("spool: message %s: %w", id, err)
	}
	return m, nil
}

// decodeReceivedAt reads only the reception time of an envelope value.
func decodeReceivedAt(data []byte) (time.Time, error) {
	d := decoder{buf: data}
	if v := d.byte(); v != messageV1 && v != messageV2 {
		return time.Time{}, fmt.Errorf("unknown encoding version %d", v)
	}
	t := d.time()
	return t, d.err
}

// encodeState writes a state as v1, or as v2 when it names a source to
// retry from: a spool stays readable by a release that knows only v1
// unless a deferral asked for its source again.
func encodeState(dst []byte, st message.RcptState) []byte {
	v := byte(stateV1)
	if st.RetrySource != "" {
		v = stateV2
	}
	dst = append(dst, v, byte(st.Status))
	dst = appendTime(dst, st.Due)
	dst = binary.AppendVarint(dst, int64(st.Attempts))
	dst = binary.AppendVarint(dst, int64(st.Last.Code))
	dst = appendString(dst, st.Last.Enhanced)
	dst = appendString(dst, st.Last.Text)
	if v == stateV2 {
		dst = appendString(dst, st.RetryPool)
		dst = appendString(dst, st.RetrySource)
	}
	return dst
}

func decodeState(data []byte) (message.RcptState, error) {
	d := decoder{buf: data}
	var st message.RcptState
	v := d.byte()
	if v != stateV1 && v != stateV2 {
		return st, fmt.Errorf("spool: state: unknown encoding version %d", v)
	}
	st.Status = message.Status(d.byte())
	if st.Status > message.Bounced {
		return message.RcptState{}, fmt.Errorf("spool: state: unknown status %d: %w", st.Status, errCorrupt)
	}
	st.Due = d.time()
	st.Attempts = d.int()
	st.Last.Code = d.int()
	st.Last.Enhanced = d.string()
	st.Last.Text = d.string()
	if v == stateV2 {
		st.RetryPool = d.string()
		st.RetrySource = d.string()
	}
	if err := d.finish(); err != nil {
		return message.RcptState{}, fmt.Errorf("spool: state: %w", err)
	}
	return st, nil
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendTime writes a flag byte then the Unix nanoseconds, so that the zero
// time (which has no Unix nanosecond value) survives a round trip.
func appendTime(dst []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(dst, 0)
	}
	return binary.AppendVarint(append(dst, flagTimeSet), t.UnixNano())
}

// decoder reads a value front to back and remembers the first error, so the
// decode functions read as a list of fields.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.buf = nil
}

func (d *decoder) byte() byte {
	if len(d.buf) == 0 {
		d.fail()
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) int() int {
	v := d.varint()
	if v < math.MinInt32 || v > math.MaxInt32 {
		d.fail()
		return 0
	}
	return int(v)
}

// count reads an element count. Every element takes at least one byte, so a
// count larger than what is left is corruption, not a reason to allocate.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) string() string { return string(d.bytes()) }

// bytes reads a string field without copying it.
func (d *decoder) bytes() []byte {
	n := d.count()
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case flagTimeSet:
		return time.Unix(0, d.varint())
	}
	d.fail()
	return time.Time{}
}

func (d *decoder) finish() error {
	if d.err == nil && len(d.buf) > 0 {
		return fmt.Errorf("%d trailing bytes: %w", len(d.buf), errCorrupt)
	}
	return d.err
}

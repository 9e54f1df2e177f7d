package spool

import (
	"bytes"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// span iterates the keys of [lo, hi) and steps over damage: when a read
// meets a corrupt block, Pebble's error names the table and its key range,
// and the span goes on after that range with a fresh iterator. The keys
// stepped over are unknown (that is the damage); the ranges are kept so
// that the loss can be reported, and the envelopes missed are counted by
// the ledger. Without a range to step over, the rest of the span is given
// up rather than failing the whole read: a spool with one damaged table
// must still start and deliver the rest.
type span struct {
	db      pebble.Reader // the store, or a snapshot of it
	lo, hi  []byte
	cur     []byte // the lower bound of it
	it      *pebble.Iterator
	skipped []string // the damaged ranges stepped over, for reports
	err     error    // a failure other than corruption
}

func newSpan(db pebble.Reader, lo, hi []byte) *span {
	return &span{db: db, lo: lo, hi: hi}
}

// first positions the span on its first readable key.
func (p *span) first() bool {
	if !p.open(p.lo) {
		return false
	}
	return p.settle(p.it.First())
}

// next moves to the next readable key.
func (p *span) next() bool {
	if p.it == nil {
		return false
	}
	return p.settle(p.it.Next())
}

func (p *span) valid() bool { return p.it != nil && p.it.Valid() }

func (p *span) key() []byte { return p.it.Key() }

func (p *span) open(lo []byte) bool {
	if p.it != nil {
		_ = p.it.Close()
		p.it = nil
	}
	if p.hi != nil && bytes.Compare(lo, p.hi) >= 0 {
		return false
	}
	it, err := p.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: p.hi})
	if err != nil {
		p.fail(lo, err)
		return false
	}
	p.it, p.cur = it, lo
	return true
}

// settle turns an iterator that stopped on an error into one positioned
// after the damaged range, if the error is corruption.
func (p *span) settle(ok bool) bool {
	for !ok {
		err := p.it.Error()
		if err == nil {
			return false
		}
		resume, found := resumeAfter(err)
		if !found || bytes.Compare(resume, p.cur) <= 0 {
			p.fail(p.cur, err)
			return false
		}
		p.skipped = append(p.skipped, fmt.Sprintf("keys up to %s: %v", keyString(resume), err))
		if !p.open(resume) {
			return false
		}
		ok = p.it.First()
	}
	return true
}

// fail records an error: corruption without a range to step over gives up
// the rest of the span (reported); anything else is the span's error.
func (p *span) fail(from []byte, err error) {
	if pebble.IsCorruptionError(err) {
		p.skipped = append(p.skipped, fmt.Sprintf("keys from %s to the end of %s: %v", keyString(from), keyString(p.lo), err))
		return
	}
	p.err = err
}

// resumeAfter returns the smallest key after the key range of the table
// that a corruption error names.
func resumeAfter(err error) ([]byte, bool) {
	if !pebble.IsCorruptionError(err) {
		return nil, false
	}
	info := pebble.ExtractDataCorruptionInfo(err)
	if info == nil || info.Bounds.End.Key == nil {
		return nil, false
	}
	end := append([]byte(nil), info.Bounds.End.Key...)
	if info.Bounds.End.IsUpperBoundFor(bytes.Compare, end) { // inclusive: step over the key too
		end = append(end, 0)
	}
	return end, true
}

func (p *span) close() error {
	if p.it == nil {
		return p.err
	}
	err := p.it.Close()
	p.it = nil
	if p.err != nil {
		return p.err
	}
	if pebble.IsCorruptionError(err) {
		return nil // reported through skipped
	}
	return err
}

// keyString shows a key as its two-byte prefix and the rest in hex.
func keyString(k []byte) string {
	if len(k) <= 2 {
		return string(k)
	}
	return fmt.Sprintf("%s%x", k[:2], k[2:])
}

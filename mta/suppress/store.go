package suppress

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmta/wasmta/internal/bloom"
	"github.com/wasmta/wasmta/mta/spool"
)

// Reasons of an entry.
const (
	ReasonHardBounce  = "hard-bounce"
	ReasonComplaint   = "complaint"
	ReasonManual      = "manual"
	ReasonUnsubscribe = "unsubscribe"
	// ReasonBounce is a bounce that a policy chose to suppress though its
	// category is not a hard one (a full mailbox, for a while).
	ReasonBounce = "bounce"
)

// GlobalList is the tenant name of the global list: every tenant's mail
// is checked against it as well as against its own. "*" is not a tenant
// name (config accepts letters, digits, '-', '_', '.').
const GlobalList = "*"

// ValidReason reports whether r is one of the reasons.
func ValidReason(r string) bool {
	switch r {
	case ReasonHardBounce, ReasonComplaint, ReasonManual, ReasonUnsubscribe, ReasonBounce:
		return true
	}
	return false
}

const namespace = "suppress"

// Entry is one suppressed recipient of a tenant.
type Entry struct {
	Tenant    string    `json:"tenant,omitempty"`
	Recipient string    `json:"recipient"`
	Reason    string    `json:"reason"`
	Cause     string    `json:"cause,omitempty"` // the record that caused it: "OOB <message id>", "Feedback abuse <message id>", an operator's note
	Added     time.Time `json:"added"`
	Expires   time.Time `json:"expires,omitzero"` // zero: never
}

// Expired reports whether the entry no longer applies at now.
func (e *Entry) Expired(now time.Time) bool { return !e.Expires.IsZero() && !now.Before(e.Expires) }

// value is the stored form: the key holds tenant and recipient.
type value struct {
	Reason  string `json:"r"`
	Cause   string `json:"c,omitempty"`
	Added   int64  `json:"a"`
	Expires int64  `json:"e,omitempty"`
}

// Store is the suppression lists of every tenant.
type Store struct {
	sp     *spool.Store
	filter atomic.Pointer[bloom.Filter]
	share  func(Change) // SetShare

	// A key stored while a rebuild scans may be behind its scan, and its
	// filter.Add may hit the filter the rebuild then replaces: mu orders
	// every Add against the swap, and the keys added while a rebuild runs
	// (during) go into the new filter too. rebuildMu runs one rebuild at a
	// time. Lookups take neither.
	rebuildMu  sync.Mutex
	mu         sync.Mutex
	rebuilding bool
	during     []string
}

// Change is an entry added or removed on this node, as SetShare's
// function is told.
type Change struct {
	Entry   Entry
	Removed bool
}

// SetShare sets the function told about every entry this node adds or
// removes (not those Apply brings from other nodes): mta/fleet passes
// them on. Call it before the store is used; fn must not block.
func (s *Store) SetShare(fn func(Change)) { s.share = fn }

// Apply adds or removes an entry that another node added or removed,
// without telling the share function (a change never travels back).
func (s *Store) Apply(c Change) error {
	if c.Removed {
		_, err := s.remove(c.Entry.Tenant, c.Entry.Recipient)
		return err
	}
	_, err := s.add(c.Entry, time.Now(), true)
	return err
}

func (s *Store) shared(c Change) {
	if s.share != nil {
		s.share(c)
	}
}

// Open reads the lists' keys from the spool into the filter.
func Open(sp *spool.Store) (*Store, error) {
	s := &Store{sp: sp}
	if err := s.rebuild(0); err != nil {
		return nil, err
	}
	return s, nil
}

// rebuild makes a new filter of every stored key, sized for twice their
// number (and at least min).
func (s *Store) rebuild(min int) error {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	s.mu.Lock()
	s.rebuilding, s.during = true, nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.rebuilding, s.during = false, nil
		s.mu.Unlock()
	}()
	// Two passes, counting then adding, rather than one that keeps every
	// key: a million keys held at once cost ~70 MB of peak memory at start.
	n := 0
	// Cold scans: a million entries' blocks would otherwise fill the
	// spool's block cache (64 MiB) at every start.
	err := s.sp.ScanAuxCold(namespace, nil, func(_, _ []byte) error {
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("suppress: read the lists: %w", err)
	}
	b := bloom.New(max(2*n, min))
	err = s.sp.ScanAuxCold(namespace, nil, func(k, _ []byte) error {
		b.Add(string(k))
		return nil
	})
	if err != nil {
		return fmt.Errorf("suppress: read the lists: %w", err)
	}
	s.mu.Lock()
	for _, k := range s.during {
		b.Add(k)
	}
	s.filter.Store(b)
	s.mu.Unlock()
	return nil
}

// addKey puts k in the filter (and in the one a running rebuild is
// making) and reports whether the filter is full.
func (s *Store) addKey(k string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.filter.Load()
	f.Add(k)
	if s.rebuilding {
		s.during = append(s.during, k)
	}
	return f.Full()
}

func key(tenant, rcpt string) string {
	return tenant + "\x00" + strings.ToLower(strings.TrimSpace(rcpt))
}

// errDamaged is wrapped by the errors of a stored entry that does not decode.
var errDamaged = errors.New("damaged entry")

// ErrBadEntry is wrapped by Add's errors for an entry it refuses.
var ErrBadEntry = errors.New("suppress: bad entry")

// Add stores e, synced, unless the recipient is already suppressed (an
// entry that has not expired is kept as it is, so a report processed twice
// changes nothing). It reports whether e was added.
func (s *Store) Add(e Entry, now time.Time) (bool, error) {
	ok, err := s.add(e, now, true)
	if ok {
		s.shared(Change{Entry: s.withAdded(e, now)})
	}
	return ok, err
}

func (s *Store) withAdded(e Entry, now time.Time) Entry {
	if e.Added.IsZero() {
		e.Added = now
	}
	return e
}

// AddSync is Add with the choice of syncing: an unsynced entry survives a
// crash of the process but not of the machine.
func (s *Store) AddSync(e Entry, now time.Time, sync bool) (bool, error) {
	return s.add(e, now, sync)
}

// AddMany stores entries like Add, syncing once at the end: for imports.
func (s *Store) AddMany(es []Entry, now time.Time) (added int, err error) {
	return s.AddManyEach(es, now, nil)
}

// AddManyEach is AddMany that calls each (when not nil) with every entry
// it added, as stored.
func (s *Store) AddManyEach(es []Entry, now time.Time, each func(Entry)) (added int, err error) {
	for i, e := range es {
		ok, err := s.add(e, now, i == len(es)-1)
		if err != nil {
			return added, err
		}
		if ok {
			added++
			e = s.withAdded(e, now)
			s.shared(Change{Entry: e})
			if each != nil {
				each(e)
			}
		}
	}
	return added, nil
}

func (s *Store) add(e Entry, now time.Time, sync bool) (bool, error) {
	if !strings.Contains(e.Recipient, "@") || !ValidReason(e.Reason) {
		return false, fmt.Errorf("%w: recipient %q, reason %q", ErrBadEntry, e.Recipient, e.Reason)
	}
	// An entry whose value no longer decodes is replaced: keeping it would
	// fail every report about the recipient, for good.
	if _, ok, err := s.Lookup(e.Tenant, e.Recipient, now); (err != nil && !errors.Is(err, errDamaged)) || ok {
		return false, err
	}
	if e.Added.IsZero() {
		e.Added = now
	}
	v, _ := json.Marshal(value{Reason: e.Reason, Cause: e.Cause, Added: e.Added.UnixNano(), Expires: unixOrZero(e.Expires)})
	k := key(e.Tenant, e.Recipient)
	if err := s.sp.PutAux(namespace, []byte(k), v, sync); err != nil {
		return false, fmt.Errorf("suppress: add: %w", err)
	}
	if s.addKey(k) {
		if err := s.rebuild(0); err != nil {
			return true, err
		}
	}
	return true, nil
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Remove deletes a recipient from a tenant's list; it reports whether it
// was there.
func (s *Store) Remove(tenant, rcpt string) (bool, error) {
	_, ok, err := s.RemoveEntry(tenant, rcpt)
	return ok, err
}

// RemoveEntry is Remove that returns the entry removed.
func (s *Store) RemoveEntry(tenant, rcpt string) (Entry, bool, error) {
	e, ok, err := s.removeEntry(tenant, rcpt)
	if ok {
		s.shared(Change{Entry: Entry{Tenant: tenant, Recipient: rcpt}, Removed: true})
	}
	return e, ok, err
}

func (s *Store) remove(tenant, rcpt string) (bool, error) {
	_, ok, err := s.removeEntry(tenant, rcpt)
	return ok, err
}

func (s *Store) removeEntry(tenant, rcpt string) (Entry, bool, error) {
	e, ok, err := s.get(key(tenant, rcpt))
	if err != nil && !errors.Is(err, errDamaged) || !ok && err == nil {
		return Entry{}, false, err
	}
	if err := s.sp.DeleteAux(namespace, []byte(key(tenant, rcpt)), true); err != nil {
		return Entry{}, false, fmt.Errorf("suppress: remove: %w", err)
	}
	return e, true, nil
}

// LookupAny returns the entry that suppresses rcpt for tenant at now: the
// tenant's own, else the global list's.
func (s *Store) LookupAny(tenant, rcpt string, now time.Time) (Entry, bool, error) {
	e, ok, err := s.Lookup(tenant, rcpt, now)
	if ok || tenant == GlobalList {
		return e, ok, err
	}
	g, gok, gerr := s.Lookup(GlobalList, rcpt, now)
	if gok {
		return g, true, nil
	}
	return e, false, errors.Join(err, gerr)
}

// Lookup returns the tenant's entry for rcpt when it is suppressed at now.
func (s *Store) Lookup(tenant, rcpt string, now time.Time) (Entry, bool, error) {
	k := key(tenant, rcpt)
	if !s.filter.Load().MayContain(k) {
		return Entry{}, false, nil
	}
	e, ok, err := s.get(k)
	if err != nil || !ok || e.Expired(now) {
		return Entry{}, false, err
	}
	return e, true, nil
}

func (s *Store) get(k string) (Entry, bool, error) {
	v, err := s.sp.GetAux(namespace, []byte(k))
	if errors.Is(err, spool.ErrNotFound) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("suppress: lookup: %w", err)
	}
	return decode(k, v)
}

func decode(k string, v []byte) (Entry, bool, error) {
	var val value
	if err := json.Unmarshal(v, &val); err != nil {
		return Entry{}, false, fmt.Errorf("suppress: entry %q: %w: %w", k, errDamaged, err)
	}
	tenant, rcpt, _ := strings.Cut(k, "\x00")
	e := Entry{Tenant: tenant, Recipient: rcpt, Reason: val.Reason, Cause: val.Cause, Added: time.Unix(0, val.Added).UTC()}
	if val.Expires != 0 {
		e.Expires = time.Unix(0, val.Expires).UTC()
	}
	return e, true, nil
}

// ErrStop, returned by List's fn, ends the listing without an error.
var ErrStop = errors.New("suppress: stop")

// List calls fn for the tenant's entries in address order, starting after
// the address after ("" = from the first), expired ones included.
func (s *Store) List(tenant, after string, fn func(Entry) error) error {
	prefix := tenant + "\x00"
	var from []byte
	if after != "" {
		from = append([]byte(key(tenant, after)), 0) // the first key after it
	}
	err := s.sp.ScanAuxFrom(namespace, []byte(prefix), from, func(k, v []byte) error {
		e, _, err := decode(string(k), v)
		if err != nil {
			return err
		}
		return fn(e)
	})
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

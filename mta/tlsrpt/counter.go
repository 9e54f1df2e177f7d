package tlsrpt

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"
)

// Store is the durable key-value space of the counts: the spool's aux
// namespace (*spool.Store).
type Store interface {
	PutAux(ns string, key, val []byte, sync bool) error
	DeleteAux(ns string, key []byte, sync bool) error
	ScanAux(ns string, prefix []byte, fn func(key, val []byte) error) error
}

const namespace = "tlsrpt"

// dayKey names the counts of one policy domain on one UTC day.
type dayKey struct {
	day    string // 2006-01-02
	domain string
}

func (k dayKey) bytes() []byte { return []byte(k.day + "/" + k.domain) }

func parseKey(b []byte) (dayKey, bool) {
	day, domain, ok := strings.Cut(string(b), "/")
	return dayKey{day, domain}, ok
}

// counts is one domain's day.
type counts struct {
	Policy   PolicyDesc      `json:"policy"`
	Success  int64           `json:"success"`
	Failures []FailureDetail `json:"failures,omitempty"`
}

func (c *counts) fail(d FailureDetail) {
	for i := range c.Failures {
		f := &c.Failures[i]
		if f.ResultType == d.ResultType && f.SendingMTAIP == d.SendingMTAIP &&
			f.ReceivingMXHostname == d.ReceivingMXHostname && f.ReceivingIP == d.ReceivingIP {
			f.FailedSessionCount++
			return
		}
	}
	d.FailedSessionCount = 1
	c.Failures = append(c.Failures, d)
}

// maxFailureKinds bounds the failure details kept per domain and day (a
// domain with many MX addresses failing from many sources).
const maxFailureKinds = 1000

// counter holds the counts.
type counter struct {
	store Store
	mu    sync.Mutex
	days  map[dayKey]*counts
	dirty map[dayKey]bool
}

func (c *counter) add(now time.Time, pol PolicyDesc, sending netip.Addr, host string, receiving netip.Addr, result string) {
	k := dayKey{now.UTC().Format(time.DateOnly), pol.Domain}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.days[k]
	if e == nil {
		e = &counts{}
		c.days[k] = e
	}
	e.Policy = pol // the latest policy of the day
	c.dirty[k] = true
	if result == "" {
		e.Success++
		return
	}
	d := FailureDetail{ResultType: result, ReceivingMXHostname: host}
	if sending.IsValid() && !sending.IsUnspecified() {
		d.SendingMTAIP = sending.String()
	}
	if receiving.IsValid() {
		d.ReceivingIP = receiving.String()
	}
	if len(e.Failures) >= maxFailureKinds {
		d.SendingMTAIP, d.ReceivingIP = "", ""
	}
	e.fail(d)
}

// flush writes the counts changed since the last flush.
func (c *counter) flush() error {
	c.mu.Lock()
	vals := make(map[dayKey][]byte, len(c.dirty))
	for k := range c.dirty {
		v, err := json.Marshal(c.days[k])
		if err != nil {
			c.mu.Unlock()
			return err
		}
		vals[k] = v
	}
	c.dirty = map[dayKey]bool{}
	c.mu.Unlock()
	if c.store == nil {
		return nil
	}
	for k, v := range vals {
		if err := c.store.PutAux(namespace, k.bytes(), v, false); err != nil {
			return fmt.Errorf("tlsrpt: save counts: %w", err)
		}
	}
	return nil
}

// load reads the counts a previous run saved.
func (c *counter) load() error {
	if c.store == nil {
		return nil
	}
	return c.store.ScanAux(namespace, nil, func(k, v []byte) error {
		key, ok := parseKey(k)
		var e counts
		if !ok || json.Unmarshal(v, &e) != nil {
			return nil // unreadable: dropped at the next round
		}
		c.mu.Lock()
		c.days[key] = &e
		c.mu.Unlock()
		return nil
	})
}

// before returns the keys of days before day, in order.
func (c *counter) before(day string) []dayKey {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []dayKey
	for k := range c.days {
		if k.day < day {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].day < out[j].day || out[i].day == out[j].day && out[i].domain < out[j].domain
	})
	return out
}

func (c *counter) get(k dayKey) *counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.days[k]
	if e == nil {
		return nil
	}
	cp := *e
	cp.Failures = append([]FailureDetail(nil), e.Failures...)
	return &cp
}

func (c *counter) drop(k dayKey) error {
	c.mu.Lock()
	delete(c.days, k)
	delete(c.dirty, k)
	c.mu.Unlock()
	if c.store == nil {
		return nil
	}
	return c.store.DeleteAux(namespace, k.bytes(), false)
}

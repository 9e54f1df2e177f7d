package tables

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// ns is the spool aux namespace of the tables.
const ns = "tables"

// Key prefixes within ns (see doc.go).
const (
	prefixHead    = 'h'
	prefixData    = 'd'
	prefixPending = 'p'
)

var keyNextData = []byte("n")

// Version describes one version of a table.
type Version struct {
	Number   int       `json:"number"`
	Data     uint64    `json:"data"` // the data set holding its rows
	Rows     int64     `json:"rows"`
	Bytes    int64     `json:"bytes"` // bytes pushed
	Format   string    `json:"format"`
	PushedAt time.Time `json:"pushed_at"`
	// RolledBackFrom is the version this one restored by a rollback, 0 for a push.
	RolledBackFrom int `json:"rolled_back_from,omitempty"`
}

// head is what the spool keeps of one table: its last versions, newest
// last (the current one and the one rollback returns to), and the highest
// version number given out, kept after a delete so numbers are never
// reused.
type head struct {
	Tenant   string    `json:"tenant"`
	Name     string    `json:"name"`
	Versions []Version `json:"versions"`
	Last     int       `json:"last"`
}

func (h *head) current() (Version, bool) {
	if len(h.Versions) == 0 {
		return Version{}, false
	}
	return h.Versions[len(h.Versions)-1], true
}

// keepVersions is how many versions a head keeps: the current one and the
// one rollback returns to.
const keepVersions = 2

// add makes v current and returns the data sets no version refers to any
// more.
func (h *head) add(v Version) []uint64 {
	h.Versions = append(h.Versions, v)
	h.Last = max(h.Last, v.Number)
	var dropped []Version
	if n := len(h.Versions) - keepVersions; n > 0 {
		dropped = h.Versions[:n]
		h.Versions = append([]Version(nil), h.Versions[n:]...)
	}
	return h.unreferenced(dropped)
}

// unreferenced returns the data sets of vs that no kept version uses.
func (h *head) unreferenced(vs []Version) []uint64 {
	var out []uint64
	for _, d := range vs {
		used := false
		for _, k := range h.Versions {
			used = used || k.Data == d.Data
		}
		if !used {
			out = append(out, d.Data)
		}
	}
	return out
}

func headKey(tenant, name string) []byte {
	return []byte(string(rune(prefixHead)) + tenant + "\x00" + name)
}

func dataPrefix(data uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixData}, data)
}

func dataKey(data uint64, key string) []byte {
	return append(dataPrefix(data), key...)
}

func pendingKey(data uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixPending}, data)
}

func decodeHead(val []byte) (*head, error) {
	var h head
	if err := json.Unmarshal(val, &h); err != nil {
		return nil, fmt.Errorf("tables: decode head: %w", err)
	}
	return &h, nil
}

// CheckName refuses a table name that is not 1-64 bytes of letters,
// digits, '_', '-' and '.'. Names starting with '@' are the built-in
// tables, which cannot be pushed.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("table name %q: want 1-64 bytes", name)
	}
	if strings.HasPrefix(name, "@") {
		return fmt.Errorf("table name %q: names starting with @ are built-in tables (read-only)", name)
	}
	for _, c := range name {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return fmt.Errorf("table name %q: only letters, digits, '_', '-' and '.'", name)
		}
	}
	return nil
}

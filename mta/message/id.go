package message

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync/atomic"
	"time"
)

// ID identifies a message for its whole life. The first 8 bytes are the
// reception time in Unix nanoseconds (big endian) so that IDs sort by age in
// the spool; the last 8 bytes are a per-process random prefix plus a counter,
// which keeps IDs unique across restarts and across nodes without
// coordination.
type ID [16]byte

var (
	idPrefix  [4]byte
	idCounter atomic.Uint32
)

func init() {
	if _, err := rand.Read(idPrefix[:]); err != nil {
		panic(fmt.Sprintf("message: no randomness for ids: %v", err))
	}
}

// NewID returns a fresh ID stamped with t.
func NewID(t time.Time) ID {
	var id ID
	binary.BigEndian.PutUint64(id[0:8], uint64(t.UnixNano()))
	copy(id[8:12], idPrefix[:])
	binary.BigEndian.PutUint32(id[12:16], idCounter.Add(1))
	return id
}

// Minted reports whether id was made by NewID in this process. Such an ID
// is new to every spool: NewID never returns one ID twice in a process (the
// counter repeats only after 2^32 IDs, by then with another time stamp), and
// an ID made by another process, here or on another node, shares its 4-byte
// random prefix only by chance (one in 2^32), and then its time and counter
// would have to match too. The spool skips its duplicate check for these IDs
// and keeps it for every other, such as an ID read back from elsewhere.
func (id ID) Minted() bool { return [4]byte(id[8:12]) == idPrefix }

// String returns the 32-character lowercase hex form used in logs, records
// and the admin API.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Time returns the reception time encoded in the ID.
func (id ID) Time() time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(id[0:8])))
}

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the hex form produced by String.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 32 {
		return id, fmt.Errorf("message: bad id %q: want 32 hex characters", s)
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("message: bad id %q: %w", s, err)
	}
	return id, nil
}

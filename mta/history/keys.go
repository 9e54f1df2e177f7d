package history

import (
	"encoding/binary"
	"strings"
	"time"
)

const (
	namespace = "history"
	bucketLen = time.Hour
	refLen    = 16 // time ns u64 + seq u64
)

// Index kinds.
const (
	kindMessage   = 'm'
	kindRecipient = 'p'
	kindCampaign  = 'c'
	kindFault     = 'f'
)

// ref locates one stored record.
type ref struct {
	bucket uint32
	at     int64 // time ns
	seq    uint64
}

func bucketOf(t time.Time) uint32 {
	h := t.UnixNano() / int64(bucketLen)
	return uint32(max(0, min(h, 1<<32-1)))
}

func (r ref) tail(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.at))
	return binary.BigEndian.AppendUint64(dst, r.seq)
}

func recordKey(r ref) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 5+refLen), r.bucket)
	return r.tail(append(k, 'r'))
}

// indexPrefix is the prefix of every entry of (kind, value) in bucket b.
func indexPrefix(b uint32, kind byte, value string) []byte {
	k := binary.BigEndian.AppendUint32(make([]byte, 0, 8+len(value)+refLen), b)
	k = append(k, 'i', kind)
	k = append(k, value...)
	return append(k, 0)
}

func indexKey(kind byte, value string, r ref) []byte {
	return r.tail(indexPrefix(r.bucket, kind, value))
}

// refOf reads the ref at the end of an index key of bucket b.
func refOf(b uint32, key []byte) (ref, bool) {
	if len(key) < refLen {
		return ref{}, false
	}
	t := key[len(key)-refLen:]
	return ref{bucket: b, at: int64(binary.BigEndian.Uint64(t)), seq: binary.BigEndian.Uint64(t[8:])}, true
}

// indexable reports whether v can be an index value: NUL ends a value.
func indexable(v string) bool { return v != "" && strings.IndexByte(v, 0) < 0 && len(v) <= 1024 }

func campaignValue(tenant, campaign string) string { return tenant + "\x01" + campaign }

func recipientValue(addr string) string { return strings.ToLower(addr) }

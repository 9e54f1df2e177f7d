package spool

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/message"
)

// Key namespaces. They are two bytes so that a listing of the store reads
// naturally in tools, and ordered so that bodies ("b/") never share sstable
// blocks with the envelopes and states ("m/", "r/") that Scan reads.
var (
	prefixBody    = []byte("b/")
	prefixMessage = []byte("m/")
	prefixState   = []byte("r/")
	prefixAux     = []byte("a/")
)

const (
	idLen       = len(message.ID{})
	maxRcpts    = 1 << 16 // recipient indexes are uint16 in state keys
	auxNSMaxLen = 64
)

func idKey(prefix []byte, id message.ID) []byte {
	k := make([]byte, 0, len(prefix)+idLen+2)
	k = append(k, prefix...)
	return append(k, id[:]...)
}

func stateKey(id message.ID, idx int) []byte {
	k := idKey(prefixState, id)
	return binary.BigEndian.AppendUint16(k, uint16(idx))
}

// stateIndex returns the recipient index of a state key and whether the
// key belongs to id.
func stateIndex(key []byte, id message.ID) (int, bool) {
	if len(key) != len(prefixState)+idLen+2 || string(key[len(prefixState):len(prefixState)+idLen]) != string(id[:]) {
		return 0, false
	}
	return int(binary.BigEndian.Uint16(key[len(prefixState)+idLen:])), true
}

// keyID extracts the message ID from an "m/", "b/" or "r/" key.
func keyID(key []byte) (message.ID, bool) {
	var id message.ID
	if len(key) < 2+idLen {
		return id, false
	}
	copy(id[:], key[2:2+idLen])
	return id, true
}

// auxKey is "a/" ns 0x00 key: the NUL ends the namespace so that one
// namespace can never be a prefix of another's keys.
func auxKey(ns string, key []byte) []byte {
	k := make([]byte, 0, len(prefixAux)+len(ns)+1+len(key))
	k = append(k, prefixAux...)
	k = append(k, ns...)
	k = append(k, 0)
	return append(k, key...)
}

func checkNS(ns string) error {
	if ns == "" || len(ns) > auxNSMaxLen || strings.IndexByte(ns, 0) >= 0 {
		return fmt.Errorf("spool: bad aux namespace %q: want 1-%d bytes without NUL", ns, auxNSMaxLen)
	}
	return nil
}

// upperBound returns the smallest key greater than every key that starts
// with prefix, or nil when there is none (prefix is all 0xff).
func upperBound(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

package events

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// AppendJSON appends the JSON line of r (ending in '\n') to dst: the bytes
// encoding/json writes with SetEscapeHTML(false), at a fraction of its
// cost, since every record is encoded once on the delivery path. Records
// it cannot match exactly (a time outside years 0-9999, a NaN queue time)
// and a Record type with fields this encoder does not know go through
// encoding/json.
func AppendJSON(dst []byte, r *Record) []byte {
	if fastJSON && encodable(r) {
		return append(appendRecord(dst, r), '\n')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return dst // unencodable: never happens for records the engine makes
	}
	return append(dst, buf.Bytes()...)
}

// knownFields are Record's fields in declaration order; fastJSON is off
// when the type has changed, until appendRecord learns the new field.
var knownFields = []string{"Type", "Time", "ID", "Tenant", "Campaign", "Sender", "Recipient", "Recipients",
	"Size", "Queue", "Site", "Pool", "Source", "Peer", "PeerName", "Protocol", "TLS", "Response", "Category",
	"Attempts", "QueueTime", "NextAttempt", "MaybeDelivered", "Hook", "PolicyVersion", "Reason", "Scope", "Target", "Expires", "Meta",
	"OriginalHeader", "RequireTLS", "RecipientAddrs"} // the last three never encoded (json:"-")

var fastJSON = func() bool {
	t := reflect.TypeFor[Record]()
	var names []string
	for i := range t.NumField() {
		names = append(names, t.Field(i).Name)
	}
	return slices.Equal(names, knownFields)
}()

func encodable(r *Record) bool {
	ok := func(t time.Time) bool { y := t.Year(); return y >= 0 && y <= 9999 }
	return ok(r.Time) && (r.NextAttempt == nil || ok(*r.NextAttempt)) && (r.Expires == nil || ok(*r.Expires)) &&
		!math.IsNaN(r.QueueTime) && !math.IsInf(r.QueueTime, 0)
}

func appendRecord(b []byte, r *Record) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, string(r.Type))
	b = append(b, `,"time":`...)
	b = appendTime(b, r.Time)
	b = appendStringField(b, "id", r.ID)
	b = appendStringField(b, "tenant", r.Tenant)
	b = appendStringField(b, "campaign", r.Campaign)
	b = appendStringField(b, "sender", r.Sender)
	b = appendStringField(b, "recipient", r.Recipient)
	b = appendIntField(b, "recipients", int64(r.Recipients))
	b = appendIntField(b, "size", r.Size)
	b = appendStringField(b, "queue", r.Queue)
	b = appendStringField(b, "site", r.Site)
	b = appendStringField(b, "pool", r.Pool)
	b = appendStringField(b, "source", r.Source)
	b = appendStringField(b, "peer", r.Peer)
	b = appendStringField(b, "peer_name", r.PeerName)
	b = appendStringField(b, "protocol", r.Protocol)
	if r.TLS != nil {
		b = appendTLS(b, r.TLS)
	}
	if p := r.Response; p != nil {
		b = append(b, `,"response":{"code":`...)
		b = strconv.AppendInt(b, int64(p.Code), 10)
		b = appendStringField(b, "enhanced_code", p.Enhanced)
		b = append(b, `,"text":`...)
		b = append(appendString(b, p.Text), '}')
	}
	b = appendStringField(b, "category", r.Category)
	b = appendIntField(b, "attempts", int64(r.Attempts))
	if r.QueueTime != 0 {
		b = append(b, `,"queue_time":`...)
		b = appendFloat(b, r.QueueTime)
	}
	b = appendTimeField(b, "next_attempt", r.NextAttempt)
	if r.MaybeDelivered {
		b = append(b, `,"maybe_delivered":true`...)
	}
	b = appendStringField(b, "hook", r.Hook)
	b = appendStringField(b, "policy_version", r.PolicyVersion)
	b = appendStringField(b, "reason", r.Reason)
	b = appendStringField(b, "scope", r.Scope)
	b = appendStringField(b, "target", r.Target)
	b = appendTimeField(b, "expires", r.Expires)
	if len(r.Meta) > 0 {
		b = appendMeta(b, r.Meta)
	}
	return append(b, '}')
}

func appendTLS(b []byte, t *TLS) []byte {
	b = append(b, `,"tls":{`...)
	start := len(b)
	b = appendStringField(b, "version", t.Version)
	b = appendStringField(b, "cipher", t.Cipher)
	b = appendStringField(b, "policy", t.Policy)
	b = appendStringField(b, "failure", t.Failure)
	b = appendStringField(b, "detail", t.Detail)
	if len(b) > start {
		b = append(b[:start], b[start+1:]...) // the first field has no comma before it
	}
	return append(b, '}')
}

func appendStringField(b []byte, name, v string) []byte {
	if v == "" {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendString(b, v)
}

func appendIntField(b []byte, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return strconv.AppendInt(b, v, 10)
}

func appendTimeField(b []byte, name string, t *time.Time) []byte {
	if t == nil {
		return b
	}
	b = append(append(append(b, `,"`...), name...), `":`...)
	return appendTime(b, *t)
}

func appendTime(b []byte, t time.Time) []byte {
	return append(t.AppendFormat(append(b, '"'), time.RFC3339Nano), '"')
}

func appendMeta(b []byte, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, `,"meta":{`...)
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendString(b, k), ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// appendFloat formats as encoding/json does: 'f' notation, 'e' below 1e-6
// and from 1e21, with a one-digit negative exponent written without its 0.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString quotes s as encoding/json does without HTML escaping:
// control characters escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped for JavaScript.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(append(b, s[start:]...), '"')
}

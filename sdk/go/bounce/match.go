package bounce

import (
	"strconv"
	"strings"
)

// matcher finds the rules whose needles occur in a text in one pass: a
// bitmap of the needles' first two bytes skips most positions; every
// needle is filed under a hash of its first three bytes, and the other
// positions are compared only with the needles filed under their own three
// bytes, first by their first eight bytes at once (many needles share a
// prefix: "mail", "recipient", "sender"). Building it takes microseconds, which matters in a policy module:
// it is built in the first classify call of each instance, under the
// call's deadline (an Aho-Corasick automaton of the same rules took 10 ms).
type matcher struct {
	pairs [1024]uint64        // bit a<<8|b: some needle starts with bytes a, b
	start [buckets + 1]uint16 // bucket b holds items[start[b]:start[b+1]]
	items []uint64            // needle index << 24 | its first three bytes, grouped by bucket
	pre   []uint64            // per item: the needle's first eight bytes, little-endian
	mask  []uint64            // per item: the bytes of pre that count (shorter needles)
}

// buckets is a power of two; needles are at least three bytes long.
const buckets = 8192

// fold makes the scan case-insensitive and reads every white space as a
// space, so the text is scanned as it is, without a lowercased copy.
var fold = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c + 'a' - 'A')
	}
	for _, c := range []byte("\t\r\n\v\f") {
		t[c] = ' '
	}
	return t
}()

func bucket(a, b, c byte) int {
	return int((uint32(a)<<16|uint32(b)<<8|uint32(c))*2654435761>>19) & (buckets - 1)
}

func key(a, b, c byte) uint64 { return uint64(a)<<16 | uint64(b)<<8 | uint64(c) }

func newMatcher(needles []string) *matcher {
	m := &matcher{}
	count := make([]int, buckets)
	for _, n := range needles {
		count[bucket(n[0], n[1], n[2])]++
		p := uint(n[0])<<8 | uint(n[1])
		m.pairs[p>>6] |= 1 << (p & 63)
	}
	for b := 0; b < buckets; b++ {
		m.start[b+1] = m.start[b] + uint16(count[b])
	}
	m.items = make([]uint64, len(needles))
	m.pre = make([]uint64, len(needles))
	m.mask = make([]uint64, len(needles))
	fill := make([]uint16, buckets)
	copy(fill, m.start[:buckets])
	for i, n := range needles {
		b := bucket(n[0], n[1], n[2])
		m.items[fill[b]] = uint64(i)<<24 | key(n[0], n[1], n[2])
		for j := 0; j < len(n) && j < 8; j++ {
			m.pre[fill[b]] |= uint64(n[j]) << (8 * j)
			m.mask[fill[b]] |= 0xff << (8 * j)
		}
		fill[b]++
	}
	return m
}

// window is the folded text's eight bytes from i, as pre holds a needle's.
func window(text string, i int) (w uint64) {
	for j := 0; j < 8; j++ {
		w |= uint64(at(text, i+j)) << (8 * j)
	}
	return w
}

// at is the folded byte of text at i, read as if one space preceded and
// followed it.
func at(text string, i int) byte {
	if i < 0 || i >= len(text) {
		return ' '
	}
	return fold[text[i]]
}

// best returns the first rule (lowest index) whose needle occurs in text,
// read as if a space preceded and followed it, and whose condition holds
// for the reply code, and the needle (the longest of the rule's that
// occur); -1 when none.
func (m *matcher) best(text string, code int) (rule, needle int32) {
	best, bestNeedle := int32(-1), int32(-1)
	a, b := byte(' '), at(text, 0)
	for i := -1; i+2 <= len(text); i++ {
		c := byte(' ')
		if i+2 < len(text) {
			c = fold[text[i+2]]
		}
		if p := uint(a)<<8 | uint(b); m.pairs[p>>6]&(1<<(p&63)) == 0 {
			a, b = b, c // no needle starts here: most positions
			continue
		}
		bk := bucket(a, b, c)
		lo, hi := m.start[bk], m.start[bk+1]
		k := key(a, b, c)
		w, wRead := uint64(0), false
		for j := lo; j < hi; j++ {
			it := m.items[j]
			if it&0xffffff != k {
				continue // another needle in the same bucket
			}
			if !wRead {
				w, wRead = window(text, i), true
			}
			if w&m.mask[j] != m.pre[j] {
				continue // another needle with the same three bytes
			}
			n := int32(it >> 24)
			nd := &needles[n]
			if best >= 0 && (nd.rule > best || (nd.rule == best && len(nd.text) <= len(needles[bestNeedle].text))) {
				continue
			}
			if matchesAt(text, i, nd.text) && textRules[nd.rule].applies(code) && !(textRules[nd.rule].tier >= tierPhrase && (inAddress(text, i, nd.text, textRules[nd.rule].tier == tierWord) || inIdentifier(text, i, nd.text))) {
				best, bestNeedle = nd.rule, n
			}
		}
		a, b = b, c
	}
	return best, bestNeedle
}

// matchesAt reports whether needle occurs at i (its first eight bytes
// are known to).
func matchesAt(text string, i int, needle string) bool {
	if i+len(needle) > len(text)+1 {
		return false
	}
	for j := 8; j < len(needle); j++ {
		if at(text, i+j) != needle[j] {
			return false
		}
	}
	return true
}

// needle is one needle of a rule.
type needle struct {
	text   string
	quoted string // trimmed and quoted, for Result.Evidence
	rule   int32  // index in textRules
}

// needles and textMatcher are built when the package is initialised: in
// a policy module that is at instantiation, under its generous deadline,
// not in the first classify call, whose deadline is short and which a cold
// module would spend allocating the tables.
var needles, textMatcher = buildMatcher()

func buildMatcher() ([]needle, *matcher) {
	var all []needle
	var texts []string
	for i, r := range textRules {
		for _, n := range r.needles {
			texts = append(texts, n)
			all = append(all, needle{text: n, quoted: strconv.Quote(trim(n)), rule: int32(i)})
		}
	}
	return all, newMatcher(texts)
}

// inAddress reports whether the needle at i lies inside an email address
// (a run of text without spaces, brackets or quotes that holds an '@'):
// there its letters are a mailbox's name ("<spammer@example.net>",
// "bounces+1@em.example.io"), not words about a cause. A URL is not
// skipped: a blocklist's lookup page names the list that refused the
// host ("see http://www.spamhaus.org/query/bl?ip=192.0.2.1"; skipping
// URLs too lost 14 development rows). With word set (tier 5's generic
// words), a dotted host name counts as well ("host relay.example.com",
// "mailbox.example.org"): a generic word there is a host's name; a
// phrase still matches in one, as a blocklist's zone names the list
// ("listed in zen.spamhaus.org": skipping phrases there lost 4).
func inAddress(text string, i int, needle string, word bool) bool {
	for len(needle) > 0 && needle[0] == ' ' {
		needle, i = needle[1:], i+1
	}
	if i < 0 || i >= len(text) {
		return false
	}
	lo, hi := i, i
	for lo > 0 && !addrStop(text[lo-1]) {
		lo--
	}
	for hi < len(text) && !addrStop(text[hi]) {
		hi++
	}
	if hi < i+len(trim(needle)) {
		return false // the needle spans a space: words, not one token
	}
	tok := text[lo:hi]
	return strings.IndexByte(tok, '@') >= 0 || word && hostName(tok)
}

// hostName reports whether tok is a dotted host name ("relay.example.com"):
// letters, digits, hyphens and at least one dot between labels, no slash.
func hostName(tok string) bool {
	tok = strings.TrimRight(tok, ".:")
	dots := 0
	for i := 0; i < len(tok); i++ {
		c := fold[tok[i]]
		switch {
		case c == '.':
			if i == 0 || i == len(tok)-1 || tok[i-1] == '.' {
				return false
			}
			dots++
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
	}
	return dots > 0
}

func addrStop(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '<', '>', '(', ')', '[', ']', '"', '\'', ',', ';':
		return true
	}
	return false
}

// inIdentifier reports whether a needle that is an SMTP command's name
// ("helo", "ehlo", "rcpt") matched at text[i] as part of an identifier
// joined by underscores ("SENT_HELO", a client's state after the
// command; "ACL_SMTP_RCPT"): the name of a point in the dialogue, not
// the words about the command's argument the needle means.
func inIdentifier(text string, i int, needle string) bool {
	for len(needle) > 0 && needle[0] == ' ' {
		needle, i = needle[1:], i+1
	}
	for len(needle) > 0 && needle[len(needle)-1] == ' ' {
		needle = needle[:len(needle)-1]
	}
	switch needle {
	case "helo", "ehlo", "lhlo", "rcpt", "mail from", "data":
	default:
		return false
	}
	return i > 0 && i <= len(text) && text[i-1] == '_' || i+len(needle) < len(text) && text[i+len(needle)] == '_'
}

package bounce

import (
	"strconv"
	"sync"
)

// matcher finds every needle in a text in one pass (Aho-Corasick over a
// dense transition table): the cost per reply depends on the text's
// length, not on the number of rules.
type matcher struct {
	class  [256]uint8 // byte -> alphabet class; 0 = a byte no needle has
	k      int        // alphabet size
	next   []uint16   // state*k + class -> state | hasOutput
	outOff []int32    // state -> outputs[outOff[s]:outOff[s+1]]
	out    []int32    // needles that end in the state
}

func newMatcher(needles []string) *matcher {
	m := &matcher{k: 1}
	for _, n := range append([]string{" "}, needles...) {
		for i := 0; i < len(n); i++ {
			if m.class[n[i]] == 0 {
				m.class[n[i]] = uint8(m.k)
				m.k++
			}
		}
	}
	m.fold()
	// The trie, with -1 for a missing edge.
	goTo := [][]int32{m.newRow()}
	outs := [][]int32{nil}
	for i, n := range needles {
		s := int32(0)
		for j := 0; j < len(n); j++ {
			c := m.class[n[j]]
			if goTo[s][c] < 0 {
				goTo[s][c] = int32(len(goTo))
				goTo = append(goTo, m.newRow())
				outs = append(outs, nil)
			}
			s = goTo[s][c]
		}
		outs[s] = append(outs[s], int32(i))
	}
	m.link(goTo, outs)
	return m
}

// The transition table holds 16-bit entries, a state in the low 15 bits
// and whether it ends a needle in the top bit: the table stays small
// enough for the cache, and most bytes cost one load.
const (
	hasOutput = 1 << 15
	maxStates = hasOutput
)

// fold makes the scan case-insensitive and treats every white space as a
// space, so the text is scanned as it is, without a lowercased copy.
func (m *matcher) fold() {
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	for _, c := range []byte("\t\r\n\v\f") {
		m.class[c] = m.class[' ']
	}
}

func (m *matcher) newRow() []int32 {
	r := make([]int32, m.k)
	for i := range r {
		r[i] = -1
	}
	return r
}

// link adds failure transitions breadth first, merging each state's
// outputs with those of its failure state, and flattens the tables.
func (m *matcher) link(goTo [][]int32, outs [][]int32) {
	fail := make([]int32, len(goTo))
	queue := make([]int32, 0, len(goTo))
	for c := 0; c < m.k; c++ {
		if t := goTo[0][c]; t > 0 {
			queue = append(queue, t)
		} else {
			goTo[0][c] = 0
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		outs[s] = append(outs[s], outs[fail[s]]...)
		for c := 0; c < m.k; c++ {
			t := goTo[s][c]
			if t < 0 {
				goTo[s][c] = goTo[fail[s]][c]
				continue
			}
			fail[t] = goTo[fail[s]][c]
			queue = append(queue, t)
		}
	}
	if len(goTo) > maxStates {
		panic("bounce: the rules need more matcher states than 15 bits hold")
	}
	m.next = make([]uint16, 0, len(goTo)*m.k)
	m.outOff = make([]int32, 0, len(goTo)+1)
	for s := range goTo {
		for _, t := range goTo[s] {
			v := uint16(t)
			if len(outs[t]) > 0 {
				v |= hasOutput
			}
			m.next = append(m.next, v)
		}
		m.outOff = append(m.outOff, int32(len(m.out)))
		m.out = append(m.out, outs[s]...)
	}
	m.outOff = append(m.outOff, int32(len(m.out)))
}

// best returns the first rule (lowest index) whose needle occurs in text,
// read as if a space preceded and followed it, and whose condition holds
// for the reply code, and the needle (the longest of the rule's that
// occur); -1 when none.
func (m *matcher) best(text string, code int) (rule, needle int32) {
	best, bestNeedle := int32(-1), int32(-1)
	k := int32(m.k)
	space := int32(m.class[' '])
	s := int32(m.next[space] &^ hasOutput)
	for i := 0; i <= len(text); i++ {
		c := space
		if i < len(text) {
			c = int32(m.class[text[i]])
		}
		v := m.next[s*k+c]
		s = int32(v &^ hasOutput)
		if v&hasOutput == 0 {
			continue
		}
		for _, n := range m.out[m.outOff[s]:m.outOff[s+1]] {
			r := needleRule[n]
			better := best < 0 || r < best || (r == best && len(needleText[n]) > len(needleText[bestNeedle]))
			if better && textRules[r].applies(code) {
				best, bestNeedle = r, n
			}
		}
	}
	return best, bestNeedle
}

var (
	textOnce     sync.Once
	textMatcher  *matcher
	needleRule   []int32  // needle -> its rule in textRules
	needleText   []string // needle -> its text
	needleQuoted []string // needle -> its text, trimmed and quoted
)

// theMatcher builds the matcher of textRules on first use (a policy
// module pays for it once per instance, not at load).
func theMatcher() *matcher {
	textOnce.Do(func() {
		for i, r := range textRules {
			for _, n := range r.needles {
				needleText = append(needleText, n)
				needleQuoted = append(needleQuoted, strconv.Quote(trim(n)))
				needleRule = append(needleRule, int32(i))
			}
		}
		textMatcher = newMatcher(needleText)
	})
	return textMatcher
}

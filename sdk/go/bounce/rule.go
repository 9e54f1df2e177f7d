package bounce

// Text tiers (see doc.go); the code tiers are in Classify.
const (
	tierOverride = 0
	tierProvider = 2
	tierPhrase   = 3
	tierWord     = 5
)

// when restricts a text rule to some replies.
const (
	anyReply  = 0
	transient = 4  // 4xx only
	permanent = 5  // 5xx only
	noReply   = -1 // failures without an SMTP reply only
	notFinal  = 6  // any reply but a 5xx
)

// textRule: any of needles (lowercase; a leading or trailing space stands
// for a word boundary, the text being read as if padded with spaces)
// gives category. In the tables, order is priority within a tier.
type textRule struct {
	tier     uint8
	when     int8
	needles  []string
	category string
	action   Action
	name     string // provider and override rules: the rule's own name
}

func (r *textRule) applies(code int) bool {
	if code/100 == 5 && r.tier == tierWord && r.category == TransientFailure {
		// A generic word that only claims the failure is temporary
		// ("later", "try again", "unavailable") does not outweigh a
		// permanent reply class (RFC 5321 section 4.2.1: 5yz, "the SMTP
		// client SHOULD NOT repeat the exact request"): a word that names
		// a cause decides, else the reply code. A phrase that names the
		// receiving system's own failure ("554 ... backend not running",
		// "550 5.3.2 insufficient disk space") keeps TransientFailure
		// even on a 5xx, Sisimai's systemerror (MAPPING.md).
		return false
	}
	switch r.when {
	case transient:
		return code/100 == 4
	case permanent:
		return code/100 == 5
	case noReply:
		return code == 0
	case notFinal:
		return code/100 != 5
	}
	return true
}

// result is the rule's decision; a phrase or word rule is named after the
// needle that matched.
func (r *textRule) result(n int32) Result {
	a := r.action
	if a == Default {
		a = actionOf(r.category)
	}
	switch r.tier {
	case tierPhrase:
		return Result{r.category, a, "text", needles[n].quoted}
	case tierWord:
		return Result{r.category, a, "word", needles[n].quoted}
	case tierOverride:
		return Result{r.category, a, "override", r.name}
	}
	return Result{r.category, a, "provider", r.name}
}

// textRules is every tier's table, in tier order, so that a lower index
// is a higher priority.
var textRules = concat(overrideRules, providerRules, phraseRules, wordRules)

func concat(tables ...[]textRule) []textRule {
	var all []textRule
	for _, t := range tables {
		all = append(all, t...)
	}
	return all
}

// p builds a provider rule, c a cause phrase, w a generic word.
func p(name, category string, needles ...string) textRule {
	return textRule{tier: tierProvider, needles: needles, category: category, name: name}
}

func c(category string, needles ...string) textRule {
	return textRule{tier: tierPhrase, needles: needles, category: category}
}

func w(category string, needles ...string) textRule {
	return textRule{tier: tierWord, needles: needles, category: category}
}

func trim(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// Names of the phrase rules that a specific code yields to (yields).
const (
	senderListedRule = "sender listed"
	bounceRule       = "bounce rule"
	authCheckRule    = "auth check"
	lineRule         = "line length"
)

// named gives a phrase rule a name, for yields to recognise it.
func named(name string, r textRule) textRule {
	r.name = name
	return r
}

// only restricts a rule to some replies.
func only(when int8, r textRule) textRule {
	r.when = when
	return r
}

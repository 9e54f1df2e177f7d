package mx

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
)

// SiteName names the destination site made of the mail hosts names (their
// order, case and trailing dots do not matter; duplicates count once):
//
//   - hosts sharing a parent domain are folded into one entry listing their
//     first labels: mx1.a.test, mx2.a.test -> (mx1|mx2).a.test;
//   - a host that is itself the parent of such a group makes the group
//     optional: aspmx.l.google.com with alt1...alt4.aspmx.l.google.com ->
//     (alt1|alt2|alt3|alt4)?.aspmx.l.google.com;
//   - a lone host keeps its full name, an IP address stays as written;
//   - entries are sorted and joined by ",".
//
// The name is a function of the set alone, so two domains hosted on the
// same MX set share one site (one ready queue, one set of limits), and the
// set can be read back from the name.
func SiteName(names []string) string {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(n), "."))
		if n != "" {
			set[n] = true
		}
	}
	groups := map[string]*siteGroup{} // parent -> first labels of its children
	var entries []string
	for n := range set {
		if _, err := netip.ParseAddr(n); err == nil {
			entries = append(entries, n)
			continue
		}
		label, parent := splitFirst(n)
		g := groups[parent]
		if g == nil {
			g = &siteGroup{}
			groups[parent] = g
		}
		g.labels = append(g.labels, label)
	}
	// A name that is the parent of a group is written as that group's
	// optional prefix instead of as a label of its own parent.
	for parent, g := range groups {
		if parent != "" && set[parent] {
			g.optional = true
			label, pp := splitFirst(parent)
			if pg := groups[pp]; pg != nil { // nil when parent is an IP address
				pg.remove(label)
			}
		}
	}
	for parent, g := range groups {
		if e := g.render(parent); e != "" {
			entries = append(entries, e)
		}
	}
	sort.Strings(entries)
	return strings.Join(entries, ",")
}

type siteGroup struct {
	labels   []string
	optional bool
}

func (g *siteGroup) remove(label string) {
	for i, l := range g.labels {
		if l == label {
			g.labels = append(g.labels[:i], g.labels[i+1:]...)
			return
		}
	}
}

func (g *siteGroup) render(parent string) string {
	if len(g.labels) == 0 {
		if g.optional {
			return parent // its children were folded into groups of their own
		}
		return ""
	}
	sort.Strings(g.labels)
	var b strings.Builder
	if len(g.labels) == 1 && !g.optional {
		b.WriteString(g.labels[0])
	} else {
		b.WriteByte('(')
		b.WriteString(strings.Join(g.labels, "|"))
		b.WriteByte(')')
		if g.optional {
			b.WriteByte('?')
		}
	}
	if parent != "" {
		b.WriteByte('.')
		b.WriteString(parent)
	}
	return b.String()
}

func splitFirst(name string) (label, parent string) {
	if i := strings.IndexByte(name, '.'); i >= 0 {
		return name[:i], name[i+1:]
	}
	return name, ""
}

// providers maps MX host suffixes to the mailbox provider behind them.
//
//	suffix                   provider   seen as
//	google.com               google     gmail-smtp-in.l.google.com, aspmx.l.google.com (Gmail, Workspace)
//	googlemail.com           google     older Workspace MX names
//	yahoodns.net             yahoo      mta5.am0.yahoodns.net (Yahoo, AOL)
//	protection.outlook.com   microsoft  *.mail.protection.outlook.com (Microsoft 365), *.olc.protection.outlook.com (Outlook.com, Hotmail)
//	outlook.com              microsoft  other outlook.com MX names
//	icloud.com               apple      mx01.mail.icloud.com (iCloud, me.com, mac.com)
var providers = []struct{ suffix, name string }{
	{"google.com", "google"},
	{"googlemail.com", "google"},
	{"yahoodns.net", "yahoo"},
	{"protection.outlook.com", "microsoft"},
	{"outlook.com", "microsoft"},
	{"icloud.com", "apple"},
}

// Provider names the mailbox provider behind MX host names or site names
// (see the providers table in the source): "google", "yahoo", "microsoft",
// "apple", or "" when none is recognised. Names are tried in order (pass
// hosts in preference order); the first one recognised decides. A site name
// with several entries ("a,b") counts as its entries in turn.
func Provider(names []string) string {
	for _, n := range names {
		for e := range strings.SplitSeq(n, ",") {
			e = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(e), "."))
			for _, p := range providers {
				if e == p.suffix || strings.HasSuffix(e, "."+p.suffix) {
					return p.name
				}
			}
		}
	}
	return ""
}

// ProviderNames are the names Provider can return, sorted: the only ones
// a selector's provider can match.
func ProviderNames() []string {
	var out []string
	for _, p := range providers {
		if !slices.Contains(out, p.name) {
			out = append(out, p.name)
		}
	}
	slices.Sort(out)
	return out
}

package shaping

import (
	"fmt"
	"strings"
)

// Subject is what an action may cover: one message's queue (tenant,
// campaign, recipient domain) on one egress path (provider, site, source).
// Fields not known yet are empty; an empty field never matches a selector
// that names it.
type Subject struct {
	Tenant   string
	Campaign string
	Domain   string
	Provider string
	Site     string
	Source   string
}

// Selector names what an action covers: every field that is set must equal
// the subject's. {Source, Site} is one egress path; {Site} every source to
// a site; {Tenant, Site} one tenant's mail to a site; {Provider} every site
// a provider hosts.
type Selector struct {
	Tenant   string `json:"tenant,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Provider string `json:"provider,omitempty"`
	Site     string `json:"site,omitempty"`
	Source   string `json:"source,omitempty"`
}

// fields lists the selector's parts in display order.
func (s *Selector) fields() []struct{ name, val string } {
	return []struct{ name, val string }{
		{"tenant", s.Tenant}, {"campaign", s.Campaign}, {"domain", s.Domain},
		{"provider", s.Provider}, {"site", s.Site}, {"source", s.Source},
	}
}

// Normalize lowercases the parts that are DNS names.
func (s Selector) Normalize() Selector {
	s.Domain = strings.ToLower(strings.TrimSuffix(s.Domain, "."))
	s.Site = strings.ToLower(s.Site)
	s.Provider = strings.ToLower(s.Provider)
	return s
}

// IsZero reports whether the selector names nothing (it would cover all).
func (s Selector) IsZero() bool { return s == Selector{} }

// PathLevel reports whether the selector names egress paths only (provider,
// site, source): such an action applies to whole paths. Otherwise it
// applies to the messages of a tenant, campaign or domain.
func (s Selector) PathLevel() bool {
	return s.Tenant == "" && s.Campaign == "" && s.Domain == ""
}

// Matches reports whether the subject is covered.
func (s Selector) Matches(sub Subject) bool {
	return part(s.Tenant, sub.Tenant) && part(s.Campaign, sub.Campaign) && part(s.Domain, sub.Domain) &&
		part(s.Provider, sub.Provider) && part(s.Site, sub.Site) && part(s.Source, sub.Source)
}

func part(want, have string) bool { return want == "" || want == have }

// Within reports whether every part o sets is set to the same value in s:
// s covers a subset of what o covers. Resuming {Site: x} ends the
// suspensions of x from every source as well as those of the whole site.
func (s Selector) Within(o Selector) bool {
	return part(o.Tenant, s.Tenant) && part(o.Campaign, s.Campaign) && part(o.Domain, s.Domain) &&
		part(o.Provider, s.Provider) && part(o.Site, s.Site) && part(o.Source, s.Source)
}

// Scope names the kind of selector for records: "path" for source and
// site, otherwise the names of the parts set joined by "+".
func (s Selector) Scope() string {
	if s.Source != "" && s.Site != "" && s.Tenant == "" && s.Campaign == "" && s.Domain == "" && s.Provider == "" {
		return "path"
	}
	var parts []string
	for _, f := range s.fields() {
		if f.val != "" {
			parts = append(parts, f.name)
		}
	}
	return strings.Join(parts, "+")
}

// String is the display form: "source=ip1 site=mx.example.com".
func (s Selector) String() string {
	var b strings.Builder
	for _, f := range s.fields() {
		if f.val == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", f.name, f.val)
	}
	return b.String()
}

// ParseSelector reads the display form back ("key=value" words, keys
// among tenant, campaign, domain, provider, site, source).
func ParseSelector(text string) (Selector, error) {
	var s Selector
	for _, w := range strings.Fields(text) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || v == "" {
			return s, fmt.Errorf("shaping: selector %q: want key=value words", text)
		}
		if err := s.Set(k, v); err != nil {
			return s, err
		}
	}
	return s.Normalize(), nil
}

// Set sets one part by name.
func (s *Selector) Set(key, val string) error {
	dst := map[string]*string{"tenant": &s.Tenant, "campaign": &s.Campaign, "domain": &s.Domain,
		"provider": &s.Provider, "site": &s.Site, "source": &s.Source}[key]
	if dst == nil {
		return fmt.Errorf("shaping: unknown selector key %q (tenant, campaign, domain, provider, site, source)", key)
	}
	if *dst != "" && *dst != val {
		return fmt.Errorf("shaping: selector key %q given twice", key)
	}
	*dst = val
	return nil
}

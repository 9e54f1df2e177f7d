package shaping

import (
	"testing"
)

func TestSelectorMatches(t *testing.T) {
	sub := Subject{Tenant: "acme", Campaign: "spring", Domain: "gmail.test", Provider: "gmail",
		Site: "gmail-smtp-in.l.google.com", Source: "ip1"}
	cases := []struct {
		name string
		sel  Selector
		want bool
	}{
		{"path", Selector{Source: "ip1", Site: "gmail-smtp-in.l.google.com"}, true},
		{"other source", Selector{Source: "ip2", Site: "gmail-smtp-in.l.google.com"}, false},
		{"site", Selector{Site: "gmail-smtp-in.l.google.com"}, true},
		{"provider", Selector{Provider: "gmail"}, true},
		{"tenant to site", Selector{Tenant: "acme", Site: "gmail-smtp-in.l.google.com"}, true},
		{"other tenant", Selector{Tenant: "beta"}, false},
		{"campaign", Selector{Campaign: "spring"}, true},
		{"domain", Selector{Domain: "gmail.test"}, true},
		{"other domain", Selector{Domain: "yahoo.test"}, false},
		{"everything", Selector{Tenant: "acme", Campaign: "spring", Domain: "gmail.test", Provider: "gmail",
			Site: "gmail-smtp-in.l.google.com", Source: "ip1"}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.sel.Matches(sub); got != c.want {
				t.Fatalf("%v.Matches = %v, want %v", c.sel, got, c.want)
			}
		})
	}
	if (Selector{Tenant: "acme"}).Matches(Subject{Site: "x"}) {
		t.Fatal("a selector naming a tenant matched a subject without one")
	}
}

func TestSelectorWithinScopeString(t *testing.T) {
	cases := []struct {
		sel, within Selector
		in          bool
		scope, str  string
	}{
		{Selector{Source: "ip1", Site: "s"}, Selector{Site: "s"}, true, "path", "site=s source=ip1"},
		{Selector{Site: "s"}, Selector{Site: "s"}, true, "site", "site=s"},
		{Selector{Site: "s"}, Selector{Source: "ip1", Site: "s"}, false, "site", "site=s"},
		{Selector{Tenant: "acme", Site: "s"}, Selector{Tenant: "acme"}, true, "tenant+site", "tenant=acme site=s"},
		{Selector{Source: "ip1"}, Selector{Site: "s"}, false, "source", "source=ip1"},
		{Selector{Provider: "yahoo", Source: "ip2"}, Selector{Provider: "yahoo"}, true, "provider+source", "provider=yahoo source=ip2"},
	}
	for _, c := range cases {
		if got := c.sel.Within(c.within); got != c.in {
			t.Errorf("%v.Within(%v) = %v, want %v", c.sel, c.within, got, c.in)
		}
		if got := c.sel.Scope(); got != c.scope {
			t.Errorf("%v.Scope() = %q, want %q", c.sel, got, c.scope)
		}
		if got := c.sel.String(); got != c.str {
			t.Errorf("String() = %q, want %q", got, c.str)
		}
		back, err := ParseSelector(c.str)
		if err != nil || back != c.sel {
			t.Errorf("ParseSelector(%q) = %v, %v; want %v", c.str, back, err, c.sel)
		}
	}
}

func TestParseSelectorErrors(t *testing.T) {
	for _, in := range []string{"site", "site=", "colour=red", "site=a site=b"} {
		if _, err := ParseSelector(in); err == nil {
			t.Errorf("ParseSelector(%q) gave no error", in)
		}
	}
	s, err := ParseSelector("domain=Example.TEST. site=MX.Example.test")
	if err != nil || s.Domain != "example.test" || s.Site != "mx.example.test" {
		t.Fatalf("names are not lowercased: %+v %v", s, err)
	}
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"site=a", "tenant=acme site=x source=ip1", "", "=", "site==", "a=b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSelector(in)
		if err != nil {
			return
		}
		back, err := ParseSelector(s.String())
		if err != nil || back != s {
			t.Fatalf("round trip of %q: %v -> %q -> %v, %v", in, s, s.String(), back, err)
		}
	})
}

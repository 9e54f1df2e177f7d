package mx

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestSiteName(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com", "alt2.gmail-smtp-in.l.google.com",
			"alt3.gmail-smtp-in.l.google.com", "alt4.gmail-smtp-in.l.google.com"},
			"(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com"},
		{[]string{"ALT2.ASPMX.L.GOOGLE.COM.", "aspmx.l.google.com", "alt1.aspmx.l.google.com"},
			"(alt1|alt2)?.aspmx.l.google.com"},
		{[]string{"mta7.am0.yahoodns.net", "mta5.am0.yahoodns.net", "mta6.am0.yahoodns.net"}, "(mta5|mta6|mta7).am0.yahoodns.net"},
		{[]string{"example-com.mail.protection.outlook.com"}, "example-com.mail.protection.outlook.com"},
		{[]string{"mx1.a.test", "mx.b.test"}, "mx.b.test,mx1.a.test"},
		{[]string{"mx1.a.test", "mx1.a.test", "MX1.A.TEST."}, "mx1.a.test"},
		{[]string{"b.test", "a.b.test"}, "(a)?.b.test"},
		{[]string{"test", "b.test", "a.b.test"}, "(a)?.b.test,test"},
		{[]string{"localhost"}, "localhost"},
		{[]string{"192.0.2.1", "192.0.2.2"}, "192.0.2.1,192.0.2.2"},
		{[]string{"", " "}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := SiteName(tt.names); got != tt.want {
			t.Errorf("SiteName(%q) = %q, want %q", tt.names, got, tt.want)
		}
		rev := slices.Clone(tt.names)
		slices.Reverse(rev)
		if got := SiteName(rev); got != tt.want {
			t.Errorf("SiteName(reversed %q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

// expandSite reads a site name back into its host set; it exists to prove
// that SiteName loses nothing.
func expandSite(site string) []string {
	var out []string
	for e := range strings.SplitSeq(site, ",") {
		if e == "" {
			continue
		}
		if !strings.HasPrefix(e, "(") {
			out = append(out, e)
			continue
		}
		end := strings.IndexByte(e, ')')
		labels, rest := e[1:end], e[end+1:]
		parent := ""
		if strings.HasPrefix(rest, "?") {
			rest = rest[1:]
			parent = strings.TrimPrefix(rest, ".")
			out = append(out, parent)
		}
		suffix := rest // "" or ".parent"
		for l := range strings.SplitSeq(labels, "|") {
			out = append(out, l+suffix)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func normalSet(names []string) []string {
	var out []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(n), "."))
		if n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func FuzzSiteName(f *testing.F) {
	f.Add("aspmx.l.google.com alt1.aspmx.l.google.com alt2.aspmx.l.google.com")
	f.Add("test b.test a.b.test x.test")
	f.Add("1.2.3.4 x.1.2.3.4 a.b")
	f.Add("mx1.a.test mx.b.test c")
	f.Fuzz(func(t *testing.T, s string) {
		names := strings.Fields(s)
		for _, n := range names {
			// Host names: letters, digits, '-' and non-empty dot-separated labels.
			if strings.ContainsFunc(n, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.')
			}) || strings.Contains(n, "..") || strings.HasPrefix(n, ".") {
				return
			}
			if a, err := netip.ParseAddr(n); err == nil && a.Is6() {
				return
			}
		}
		site := SiteName(names)
		rev := slices.Clone(names)
		slices.Reverse(rev)
		if again := SiteName(rev); again != site {
			t.Fatalf("order changes the name: %q vs %q", site, again)
		}
		if got, want := expandSite(site), normalSet(names); !slices.Equal(got, want) {
			t.Fatalf("SiteName(%q) = %q reads back as %q", names, site, got)
		}
	})
}

func TestProvider(t *testing.T) {
	tests := []struct {
		names []string
		want  string
	}{
		{[]string{"gmail-smtp-in.l.google.com"}, "google"},
		{[]string{"(alt1|alt2|alt3|alt4)?.aspmx.l.google.com"}, "google"},
		{[]string{"ASPMX2.GOOGLEMAIL.COM."}, "google"},
		{[]string{"(mta5|mta6|mta7).am0.yahoodns.net"}, "yahoo"},
		{[]string{"example-com.mail.protection.outlook.com"}, "microsoft"},
		{[]string{"hotmail-com.olc.protection.outlook.com"}, "microsoft"},
		{[]string{"mx01.mail.icloud.com", "mx02.mail.icloud.com"}, "apple"},
		{[]string{"mx.example.test", "aspmx.l.google.com"}, "google"},
		{[]string{"mx.example.test,mx01.mail.icloud.com"}, "apple"},
		{[]string{"notgoogle.com"}, ""},
		{[]string{"google.com.evil.test"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := Provider(tt.names); got != tt.want {
			t.Errorf("Provider(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

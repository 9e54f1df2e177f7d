package providersim

import (
	"strings"
	"testing"
)

// TestPresetsAreComplete checks every preset is valid, has every reply a
// feature may need, refuses connections with 421 as RFC 5321 requires of
// a greeting, and does not collide with another preset.
func TestPresetsAreComplete(t *testing.T) {
	addrs, domains := map[string]string{}, map[string]string{}
	for _, name := range PresetNames() {
		p, err := Preset(name)
		if err != nil {
			t.Fatal(err)
		}
		p = p.withDefaults()
		if err := p.validate(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for what, r := range map[string]Reply{
			"conn limit": p.ConnLimitReply, "throttle": p.ThrottleReply,
			"temp fail": p.TempFailReply, "unknown user": p.UnknownUserReply,
		} {
			if err := r.validate(); err != nil {
				t.Fatalf("%s %s reply: %v", name, what, err)
			}
		}
		if p.ConnLimitReply.Code != 421 || !p.ConnLimitReply.Close {
			t.Fatalf("%s: connection refusal %+v, want a closing 421", name, p.ConnLimitReply)
		}
		if p.UnknownUserReply.Code/100 != 5 || p.TempFailReply.Code/100 != 4 || p.ThrottleReply.Code/100 != 4 {
			t.Fatalf("%s: reply classes wrong", name)
		}
		if other, dup := addrs[p.Addr]; dup {
			t.Fatalf("%s and %s both on %s", name, other, p.Addr)
		}
		addrs[p.Addr] = name
		for _, d := range p.Domains {
			if other, dup := domains[d]; dup || !strings.HasSuffix(d, ".test") {
				t.Fatalf("domain %s of %s (also %s): want unique and under .test", d, name, other)
			}
			domains[d] = name
		}
	}
	if _, err := Preset("hotmail"); err == nil {
		t.Fatal("unknown preset accepted")
	}
}

// TestPresetIsACopy: changing what Preset returned must not change the
// next caller's preset.
func TestPresetIsACopy(t *testing.T) {
	a, _ := Preset("gmail")
	a.Domains[0] = "changed.test"
	a.ThrottleReply.Text = "changed"
	b, _ := Preset("gmail")
	if b.Domains[0] != "gmail.test" || b.ThrottleReply.Text == "changed" {
		t.Fatal("Preset returned shared state")
	}
}

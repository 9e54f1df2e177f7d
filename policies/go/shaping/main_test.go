//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func TestProviderRecognition(t *testing.T) {
	for _, tc := range []struct {
		name     string
		provider string
		mx       []string
		want     string
	}{
		{"gmail by MX", "", []string{"gmail-smtp-in.l.google.com", "alt1.gmail-smtp-in.l.google.com"}, "gmail"},
		{"workspace by MX", "", []string{"aspmx.l.google.com."}, "gmail"},
		{"yahoo by MX", "", []string{"mta5.am0.yahoodns.net"}, "yahoo"},
		{"aol by MX", "", []string{"mx-aol.mail.gm0.yahoodns.net"}, "yahoo"},
		{"hotmail by MX", "", []string{"hotmail-com.olc.protection.outlook.com"}, "microsoft"},
		{"office365 by MX", "", []string{"contoso-com.mail.protection.outlook.com"}, "microsoft"},
		{"office365 dane by MX", "", []string{"contoso-com.l-v1.mx.microsoft"}, "microsoft"},
		{"icloud by MX", "", []string{"mx01.mail.icloud.com", "mx02.mail.icloud.com"}, "apple"},
		{"second MX decides", "", []string{"mx.example.org", "MX02.MAIL.ICLOUD.COM"}, "apple"},
		{"provider name wins", "gmail", []string{"mx.example.org"}, "gmail"},
		{"unknown provider name falls to MX", "comcast", []string{"mx1.comcast.net"}, "default"},
		{"suffix must be a label boundary", "", []string{"notgoogle.com"}, "default"},
		{"no MX", "", nil, "default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := providerOf(&wasmta.ShapeInput{Provider: tc.provider, MXHosts: tc.mx})
			if got != tc.want {
				t.Fatalf("providerOf = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPresetsAreValidShapes(t *testing.T) {
	for name, p := range presets {
		if err := p.shape.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
		if p.shape.MaxConnections == 0 || p.shape.MessagesPerSecond == 0 || p.shape.MessagesPerConnection == 0 {
			t.Errorf("preset %s leaves a limit unset: %+v", name, p.shape)
		}
	}
	for _, m := range mxSuffixes {
		if _, ok := presets[m.provider]; !ok {
			t.Errorf("suffix %s maps to %s, which has no preset", m.suffix, m.provider)
		}
	}
	for alias, p := range providerAliases {
		if _, ok := presets[p]; !ok {
			t.Errorf("alias %s maps to %s, which has no preset", alias, p)
		}
	}
}

func TestShapeHookAlwaysDecides(t *testing.T) {
	s, ok, err := wasmta.CallShape(&wasmta.ShapeInput{Source: "ip1", Site: "mx.example.com", MXHosts: []string{"mx.example.com"}})
	if err != nil || !ok || s != presets["default"].shape {
		t.Fatalf("shape(example.com) = %+v, %v, %v; want the default preset", s, ok, err)
	}
}

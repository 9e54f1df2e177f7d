package dkim

import (
	"testing"
)

func TestParseChoice(t *testing.T) {
	tests := []struct {
		in      string
		want    Choice
		wantErr bool
	}{
		{"", Choice{}, false},
		{"  ", Choice{}, false},
		{"off", Choice{Off: true}, false},
		{"OFF", Choice{Off: true}, false},
		{"Example.COM.", Choice{Domain: "example.com"}, false},
		{"example.com:Sel1", Choice{Domain: "example.com", Selector: "sel1"}, false},
		{"bücher.example", Choice{Domain: "xn--bcher-kva.example"}, false},
		{"example.com:bad selector", Choice{}, true},
		{"exa mple.com", Choice{}, true},
		{":sel", Choice{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseChoice(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseChoice(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && tt.in != "" && tt.in != "  " {
				if again, _ := ParseChoice(got.String()); again != got {
					t.Fatalf("String round trip: %q gives %+v", got.String(), again)
				}
			}
		})
	}
}

func TestFromDomain(t *testing.T) {
	tests := []struct{ value, want string }{
		{" Joe <joe@Example.COM>", "example.com"},
		{" joe@example.com", "example.com"},
		{` "Smith, Joe @ work" <joe@example.com>`, "example.com"},
		{" =?utf-8?q?J=C3=BCrgen?= <j@news.example.com>", "news.example.com"},
		{" =?x-unknown?q?abc?= <j@example.org>", "example.org"},
		{" a@example.com, b@example.org", "example.com"},
		{" Joe <joe@bücher.example>", "xn--bcher-kva.example"},
		{" broken <<joe@example.net>", "example.net"},
		{"<joe@example.com>", "example.com"},
		{" Joe <joe@example.com> (work)", "example.com"},
		{" Joe <joe@example.com> trailing", "example.com"},
		{" joe@example.com\r\n", "example.com"},
		{" Joe\r\n <joe@example.com>", "example.com"},
		{" undisclosed", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := fromDomain([]byte(tt.value)); got != tt.want {
			t.Errorf("fromDomain(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
}

func TestChooseKeys(t *testing.T) {
	s := newTestSigner(t, []KeySpec{
		{Domain: "example.com", Selector: "rsa", KeyFile: "rsa2048-pkcs1.pem"},
		{Domain: "example.com", Selector: "ed", KeyFile: "ed25519-pkcs8.pem"},
		{Domain: "mail.example.com", Selector: "ed", KeyFile: "ed25519-b.pem"},
		{Domain: "esp.example", Selector: "ed", KeyFile: "ed25519.seed"},
	}, Options{DefaultDomain: "esp.example"})
	ks := s.state.Load()
	tests := []struct {
		from   string
		choice Choice
		want   string // space-separated selector._domainkey.domain
	}{
		{"a@example.com", Choice{}, "rsa._domainkey.example.com ed._domainkey.example.com"},
		{"a@mail.example.com", Choice{}, "ed._domainkey.mail.example.com"},
		{"a@eu.mail.example.com", Choice{}, "ed._domainkey.mail.example.com"},
		{"a@news.example.com", Choice{}, "rsa._domainkey.example.com ed._domainkey.example.com"},
		{"a@customer.example", Choice{}, "ed._domainkey.esp.example"},
		{"a@example.com", Choice{Domain: "esp.example"}, "ed._domainkey.esp.example"},
		{"a@example.com", Choice{Domain: "example.com", Selector: "ED"}, "ed._domainkey.example.com"},
		{"a@example.com", Choice{Off: true}, ""},
	}
	for _, tt := range tests {
		keys, err := ks.choose(tt.choice, []byte(tt.from))
		if err != nil {
			t.Fatal(err)
		}
		var got string
		for i, k := range keys {
			if i > 0 {
				got += " "
			}
			got += k.String()
		}
		if got != tt.want {
			t.Errorf("From %s, choice %+v: keys %q, want %q", tt.from, tt.choice, got, tt.want)
		}
	}
}

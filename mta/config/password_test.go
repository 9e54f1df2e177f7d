package config

import (
	"crypto/sha256"
	"strings"
	"testing"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("s3cret pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$10$") {
		t.Errorf("hash %q is not bcrypt cost 10", h)
	}
	c, err := Parse([]byte("[[tenant]]\nname = \"t\"\nsmtp_users = [{ username = \"u\", password_hash = \"" + h + "\" }]\n"))
	if err != nil {
		t.Fatalf("a HashPassword result does not parse: %v", err)
	}
	tn := c.Tenant("t")
	tests := []struct {
		user, pw string
		want     bool
	}{
		{"u", "s3cret pw", true},
		{"u", "s3cret pw ", false},
		{"u", "", false},
		{"U", "s3cret pw", false},
		{"nobody", "s3cret pw", false},
	}
	for _, tt := range tests {
		if got := tn.CheckPassword(tt.user, tt.pw); got != tt.want {
			t.Errorf("CheckPassword(%q, %q) = %v, want %v", tt.user, tt.pw, got, tt.want)
		}
	}
}

// TestDummyHashIsBcrypt: the hash compared for unknown users must be a
// valid one, or an unknown user would answer faster than a known one.
func TestDummyHashIsBcrypt(t *testing.T) {
	if !(&Tenant{SMTPUsers: []SMTPUser{{"x", string(dummyHash)}}}).CheckPassword("x", "wasmta: no such user") {
		t.Error("dummyHash does not verify its own password")
	}
}

func TestLookups(t *testing.T) {
	c := mustParseFile(t, "testdata/full.toml")
	tests := []struct {
		name string
		got  *Tenant
		want string
	}{
		{"user acme", c.TenantByUser("acme"), "acme"},
		{"user unknown", c.TenantByUser("nobody"), ""},
		{"token acme", c.TenantByToken("acme-token-0123456789"), "acme"},
		{"token beta (upper-case hex in file)", c.TenantByToken("beta-token-0123456789"), "beta"},
		{"token unknown", c.TenantByToken("acme-token-012345678"), ""},
		{"token empty", c.TenantByToken(""), ""},
		{"tenant by name", c.Tenant("beta"), "beta"},
		{"tenant unknown", c.Tenant("gamma"), ""},
	}
	for _, tt := range tests {
		got := ""
		if tt.got != nil {
			got = tt.got.Name
		}
		if got != tt.want {
			t.Errorf("%s: got tenant %q, want %q", tt.name, got, tt.want)
		}
	}
	if !c.Tenant("acme").CheckPassword("acme", "correct horse") {
		t.Error("acme's password from full.toml does not verify")
	}
	if HashToken("acme-token-0123456789") != "2e032a402ed5f8d5e361fb26c6dde881f66772bbd4ae216810ca28d5d6fd2c37" {
		t.Error("HashToken is not the hex sha256")
	}
	if c.Source("ip2") == nil || c.Pool("warm") == nil || c.Source("ip3") != nil || c.Pool("cold") != nil {
		t.Error("Source/Pool lookups")
	}
}

// TestPasswordCacheKeepsOnlySuccesses: a right password is remembered, a
// wrong one never is.
func TestPasswordCacheKeepsOnlySuccesses(t *testing.T) {
	tn := &Tenant{SMTPUsers: []SMTPUser{{"acme", testHash}}}
	cached := func(pw string) bool {
		_, ok := verified.Load(sha256.Sum256([]byte(testHash + "\x00" + pw)))
		return ok
	}
	if tn.CheckPassword("acme", "wrong horse") || cached("wrong horse") {
		t.Error("a wrong password was accepted or cached")
	}
	if !tn.CheckPassword("acme", "correct horse") || !cached("correct horse") {
		t.Error("the right password was refused or not cached")
	}
	if !tn.CheckPassword("acme", "correct horse") {
		t.Error("the cached password was refused")
	}
}

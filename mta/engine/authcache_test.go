package engine

import (
	"context"
	"testing"

	"github.com/wasmta/wasmta/mta/config"
)

// TestAuthCacheReloadDuringLogin: a login checked against the
// configuration of before a reload is not remembered past that reload,
// so a user the reload removed cannot log in from the cache.
func TestAuthCacheReloadDuringLogin(t *testing.T) {
	t.Parallel()
	hash, err := config.HashPassword("secret")
	if err != nil {
		t.Fatal(err)
	}
	old := &config.Config{Tenants: []config.Tenant{{Name: "acme",
		SMTPUsers: []config.SMTPUser{{Username: "app", PasswordHash: hash}}}}}
	removed := &config.Config{Tenants: []config.Tenant{{Name: "acme"}}}
	var a *authCache
	cur, reloadOnRead := old, true
	a = newAuthCache(func() *config.Config {
		c := cur
		if reloadOnRead { // the reload lands while bcrypt checks the old login
			reloadOnRead, cur = false, removed
			a.forget()
		}
		return c
	})
	if tn, err := a.Authenticate(context.Background(), "app", "secret"); err != nil || tn != "acme" {
		t.Fatalf("login under the old configuration: %q, %v", tn, err)
	}
	if tn, err := a.Authenticate(context.Background(), "app", "secret"); err == nil {
		t.Errorf("the removed user logged in as %q after the reload (a cached success)", tn)
	}
}

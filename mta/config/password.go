package config

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// HashPassword returns the bcrypt hash of pw (cost 10), the form that
// tenant.smtp_users[].password_hash holds.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", fmt.Errorf("config: hash password: %w", err)
	}
	return string(h), nil
}

// HashToken returns the hex SHA-256 of an API token, the form that
// tenant.api_tokens_sha256 holds.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// dummyHash is compared against when the user is unknown, so that a failed
// login costs the same time whether or not the user exists.
// It is a constant so that importing the package costs no bcrypt run.
var dummyHash = []byte("$2a$10$IWICTTCAjtQViUAoLpEWx..Y5p7k5L.ZyqOVRVUKMFQ.NavF8yDLq")

// CheckPassword reports whether user is one of the tenant's SMTP users and
// pw its password. A wrong password costs one bcrypt comparison (tens to
// hundreds of milliseconds by design); a right one is remembered, so a
// client that logs in on every connection pays bcrypt once.
func (t *Tenant) CheckPassword(user, pw string) bool {
	for _, u := range t.SMTPUsers {
		if u.Username == user {
			return checkHash(u.PasswordHash, pw)
		}
	}
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(pw))
	return false
}

// verified holds a SHA-256 of each (bcrypt hash, password) pair that bcrypt
// accepted. Only successes are kept, so guessing still pays bcrypt for
// every try, and the set is bounded by the number of users (times config
// reloads that change a hash).
var verified sync.Map // [32]byte -> struct{}

func checkHash(hash, pw string) bool {
	key := sha256.Sum256([]byte(hash + "\x00" + pw))
	if _, ok := verified.Load(key); ok {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) != nil {
		return false
	}
	verified.Store(key, struct{}{})
	return true
}

// CheckToken reports whether token is one of the tenant's API tokens.
func (t *Tenant) CheckToken(token string) bool {
	sum := sha256.Sum256([]byte(token))
	found := 0
	for _, h := range t.APITokensSHA256 {
		found |= subtle.ConstantTimeCompare(sum[:], h[:])
	}
	return found == 1
}

// TenantByUser returns the tenant that has an SMTP user of that name, or
// nil. Usernames are unique across tenants.
func (c *Config) TenantByUser(user string) *Tenant {
	for i := range c.Tenants {
		for _, u := range c.Tenants[i].SMTPUsers {
			if u.Username == user {
				return &c.Tenants[i]
			}
		}
	}
	return nil
}

// TenantByToken returns the tenant that owns the API token, or nil.
// Tokens are unique across tenants.
func (c *Config) TenantByToken(token string) *Tenant {
	for i := range c.Tenants {
		if c.Tenants[i].CheckToken(token) {
			return &c.Tenants[i]
		}
	}
	return nil
}

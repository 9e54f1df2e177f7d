package dkim

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestKeyFormats(t *testing.T) {
	tests := []struct {
		file, declared, want string
	}{
		{"rsa2048-pkcs1.pem", "", RSASHA256},
		{"rsa2048-pkcs8.pem", "", RSASHA256},
		{"rsa2048-pkcs8.pem", RSASHA256, RSASHA256},
		{"ed25519-pkcs8.pem", "", Ed25519SHA256},
		{"ed25519-pkcs8.pem", Ed25519SHA256, Ed25519SHA256},
		{"ed25519.seed", "", Ed25519SHA256},
		{"rfc6376-rsa.pem", "", RSASHA256}, // 1024 bits: the floor
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.declared, func(t *testing.T) {
			s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: tt.file, Algorithm: tt.declared}}, Options{})
			if got := s.Keys()[0].Algorithm; got != tt.want {
				t.Fatalf("algorithm %s, want %s", got, tt.want)
			}
		})
	}
	// The seed file and the PKCS#8 file hold the same key.
	a := newTestSigner(t, []KeySpec{{Domain: "a.example", Selector: "s", KeyFile: "ed25519.seed"}}, Options{})
	b := newTestSigner(t, []KeySpec{{Domain: "a.example", Selector: "s", KeyFile: "ed25519-pkcs8.pem"}}, Options{})
	if a.Keys()[0].Record != b.Keys()[0].Record {
		t.Fatalf("seed and PKCS#8 differ: %s vs %s", a.Keys()[0].Record, b.Keys()[0].Record)
	}
}

func TestKeyErrors(t *testing.T) {
	k := func(file string) string { return filepath.Join("testdata", "keys", file) }
	ok := KeySpec{Domain: "example.com", Selector: "ok", KeyFile: k("ed25519-pkcs8.pem")}
	tests := []struct {
		name  string
		specs []KeySpec
		opts  Options
		want  []string // all in the error text
	}{
		{"missing file", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("nope.pem")}},
			Options{}, []string{"nope.pem", "s._domainkey.example.com", "no such file"}},
		{"not PEM", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("garbage.txt")}},
			Options{}, []string{"garbage.txt", "not PEM"}},
		{"empty file", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("empty.pem")}},
			Options{}, []string{"empty.pem", "empty"}},
		{"corrupt PEM", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("corrupt.pem")}},
			Options{}, []string{"corrupt.pem", "bad PKCS#1"}},
		{"public key", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("rsa2048-public.pem")}},
			Options{}, []string{"rsa2048-public.pem", "public key"}},
		{"ECDSA key", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("ec-p256.pem")}},
			Options{}, []string{"ec-p256.pem", "ECDSA"}},
		{"encrypted key", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("ed25519-encrypted.pem")}},
			Options{}, []string{"ed25519-encrypted.pem", "encrypted"}},
		{"RSA too small", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("rsa768.pem")}},
			Options{}, []string{"rsa768.pem", "768 bits is too small"}},
		{"ed25519 key declared rsa", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("ed25519-pkcs8.pem"), Algorithm: RSASHA256}},
			Options{}, []string{"ed25519-pkcs8.pem", "rsa-sha256 declared but the key is for ed25519-sha256"}},
		{"rsa key declared ed25519", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("rsa2048-pkcs1.pem"), Algorithm: Ed25519SHA256}},
			Options{}, []string{"rsa2048-pkcs1.pem", "ed25519-sha256 declared but the key is for rsa-sha256"}},
		{"unknown algorithm", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("rsa2048-pkcs1.pem"), Algorithm: "rsa-sha1"}},
			Options{}, []string{"unknown algorithm \"rsa-sha1\""}},
		{"no domain", []KeySpec{{Selector: "s", KeyFile: k("rsa2048-pkcs1.pem")}}, Options{}, []string{"no domain"}},
		{"bad selector", []KeySpec{{Domain: "example.com", Selector: "a b", KeyFile: k("rsa2048-pkcs1.pem")}}, Options{}, []string{"bad selector"}},
		{"no key file", []KeySpec{{Domain: "example.com", Selector: "s"}}, Options{}, []string{"no key_file"}},
		{"duplicate", []KeySpec{ok, ok}, Options{}, []string{"ok._domainkey.example.com is configured twice"}},
		{"headers without from", []KeySpec{{Domain: "example.com", Selector: "s", KeyFile: k("rsa2048-pkcs1.pem"), Headers: []string{"subject"}}},
			Options{}, []string{"must include From"}},
		{"signer headers bad name", []KeySpec{ok}, Options{Headers: []string{"from", "x y"}}, []string{"bad header name"}},
		{"every bad key reported", []KeySpec{
			{Domain: "example.com", Selector: "a", KeyFile: k("nope.pem")},
			ok,
			{Domain: "example.org", Selector: "b", KeyFile: k("rsa768.pem")},
		}, Options{}, []string{"nope.pem", "rsa768.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSigner(tt.specs, tt.opts)
			if err == nil {
				t.Fatalf("no error; keys %v", s.Keys())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// copyKey puts a key file at dst, replacing it atomically like a deploy
// tool would.
func copyKey(t *testing.T, src, dst string) {
	t.Helper()
	data := readFile(t, filepath.Join("keys", src))
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

func TestReload(t *testing.T) {
	ts := startTXTServer(t)
	file := filepath.Join(t.TempDir(), "ed.pem")
	copyKey(t, "ed25519-pkcs8.pem", file)
	s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: file}}, Options{})
	oldRecs := recordsOf(s)
	ts.set(oldRecs)
	msg := readFile(t, "messages/plain.eml")
	signVerify := func(t *testing.T) {
		t.Helper()
		sig, err := s.Sign(context.Background(), msg, Choice{})
		if err != nil {
			t.Fatal(err)
		}
		ts.requireGoPass(t, append(sig, msg...), 1)
	}

	t.Run("broken file keeps the old key", func(t *testing.T) {
		copyKey(t, "garbage.txt", file)
		err := s.Reload()
		if err == nil || !strings.Contains(err.Error(), file) {
			t.Fatalf("Reload error %v, want one naming %s", err, file)
		}
		signVerify(t)
	})
	t.Run("missing file keeps the old key", func(t *testing.T) {
		os.Remove(file)
		if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "no such file") {
			t.Fatalf("Reload error %v", err)
		}
		signVerify(t)
	})
	t.Run("new key is used after reload", func(t *testing.T) {
		copyKey(t, "ed25519-b.pem", file)
		if err := s.Reload(); err != nil {
			t.Fatal(err)
		}
		newRecs := recordsOf(s)
		if newRecs["ed1._domainkey.example.com"] == oldRecs["ed1._domainkey.example.com"] {
			t.Fatal("record unchanged after reload")
		}
		sig, err := s.Sign(context.Background(), msg, Choice{})
		if err != nil {
			t.Fatal(err)
		}
		if vs := ts.verifyGo(t, append(sig, msg...)); vs[0].Err == nil {
			t.Fatal("new signature verifies with the old key's record")
		}
		ts.set(newRecs)
		ts.requireGoPass(t, append(sig, msg...), 1)
	})
	t.Run("update adds a domain", func(t *testing.T) {
		specs := []KeySpec{
			{Domain: "example.com", Selector: "ed1", KeyFile: file},
			{Domain: "example.org", Selector: "rsa", KeyFile: filepath.Join("testdata", "keys", "rsa2048-b.pem")},
		}
		if err := s.Update(specs, Options{}); err != nil {
			t.Fatal(err)
		}
		if n := len(s.Keys()); n != 2 {
			t.Fatalf("%d keys after update, want 2", n)
		}
		bad := append(specs, KeySpec{Domain: "example.net", Selector: "x", KeyFile: "nope"})
		if err := s.Update(bad, Options{}); err == nil {
			t.Fatal("bad update accepted")
		}
		if n := len(s.Keys()); n != 2 {
			t.Fatalf("%d keys after a failed update, want 2", n)
		}
	})
}

// Signing goes on, with one key generation or the other and never a torn
// one, while keys are reloaded (run with -race).
func TestReloadWhileSigning(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ed.pem")
	copyKey(t, "ed25519-pkcs8.pem", file)
	s := newTestSigner(t, []KeySpec{{Domain: "example.com", Selector: "ed1", KeyFile: file}}, Options{})
	msg := readFile(t, "messages/plain.eml")
	deadline := time.Now().Add(300 * time.Millisecond)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for i := 0; i < 2000 && time.Now().Before(deadline); i++ {
				if sig, err := s.Sign(context.Background(), msg, Choice{}); err != nil || len(sig) == 0 {
					errs <- errors.Join(err, errors.New("no signature"))
					return
				}
			}
		})
	}
	for i := 0; i < 50 && time.Now().Before(deadline); i++ {
		copyKey(t, []string{"ed25519-b.pem", "garbage.txt", "ed25519-pkcs8.pem"}[i%3], file)
		s.Reload() // the garbage generation must fail and change nothing
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

package spool

import (
	"errors"
	"fmt"
	"testing"
)

func TestAux(t *testing.T) {
	s := openTemp(t)
	put := []struct{ ns, key, val string }{
		{"outbox", "t1/001", "a"}, {"outbox", "t1/002", "b"}, {"outbox", "t2/001", "c"},
		{"outbox2", "t1/003", "other namespace"}, {"policy", "acme", "\x00wasm"}, {"outbox", "", "empty key"},
	}
	for _, p := range put {
		if err := s.PutAux(p.ns, []byte(p.key), []byte(p.val), p.ns == "policy"); err != nil {
			t.Fatalf("PutAux(%s, %s): %v", p.ns, p.key, err)
		}
	}
	if err := s.DeleteAux("outbox", []byte("t1/002"), false); err != nil {
		t.Fatalf("DeleteAux: %v", err)
	}
	tests := []struct {
		ns, prefix string
		want       string
	}{
		{"outbox", "t1/", "t1/001=a;"},
		{"outbox", "", "=empty key;t1/001=a;t2/001=c;"},
		{"outbox2", "", "t1/003=other namespace;"},
		{"policy", "ac", "acme=\x00wasm;"},
		{"nothing", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ns+"/"+tt.prefix, func(t *testing.T) {
			got := ""
			err := s.ScanAux(tt.ns, []byte(tt.prefix), func(k, v []byte) error {
				got += fmt.Sprintf("%s=%s;", k, v)
				return nil
			})
			if err != nil || got != tt.want {
				t.Errorf("ScanAux = %q (err %v), want %q", got, err, tt.want)
			}
		})
	}
	if v, err := s.GetAux("policy", []byte("acme")); err != nil || string(v) != "\x00wasm" {
		t.Errorf("GetAux = %q, %v", v, err)
	}
	if _, err := s.GetAux("outbox", []byte("t1/002")); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetAux of a deleted key: %v, want ErrNotFound", err)
	}
}

func TestAuxRefuses(t *testing.T) {
	s := openTemp(t)
	for _, ns := range []string{"", "a\x00b", string(make([]byte, auxNSMaxLen+1))} {
		if err := s.PutAux(ns, []byte("k"), nil, false); err == nil {
			t.Errorf("PutAux accepted namespace %q", ns)
		}
	}
	if err := s.PutAux("outbox", []byte("k"), nil, false); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if err := s.ScanAux("outbox", nil, func(k, v []byte) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ScanAux with a failing callback: %v", err)
	}
}

// TestCompact: a compaction keeps every aux value.
func TestCompact(t *testing.T) {
	s := openTemp(t)
	for i := range 100 {
		if err := s.PutAux("suppress", []byte(fmt.Sprintf("k%03d", i)), []byte("v"), false); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Compact(); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.ScanAux("suppress", nil, func(_, _ []byte) error { n++; return nil })
	if n != 100 {
		t.Errorf("%d values after the compaction, want 100", n)
	}
}

//go:build !wasip1

package main

import (
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func TestPools(t *testing.T) {
	for campaign, want := range map[string]string{"news-june": "acme-bulk", "receipt": "acme-transactional"} {
		pool, decided, err := wasmta.CallSelectPool(&wasmta.PoolInput{Tenant: "acme", Campaign: campaign})
		if err != nil || !decided || pool != want {
			t.Errorf("campaign %s: pool %q, %v, %v; want %q", campaign, pool, decided, err, want)
		}
	}
}

func TestTSS04SuspendsThePath(t *testing.T) {
	c, decided, err := wasmta.CallClassify(&wasmta.ClassifyInput{
		Code: 421, Enhanced: "4.7.0",
		Text: "[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints",
	})
	if err != nil || !decided || !c.Suspend || c.Scope != wasmta.ScopePath {
		t.Fatalf("classify = %+v, %v, %v", c, decided, err)
	}
}

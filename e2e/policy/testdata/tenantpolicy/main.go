//go:build wasip1

// Command tenantpolicy is the policy of the end-to-end tests: it routes
// every domain to one smart host, rejects one recipient, and suspends the
// path on a chosen response text. The host and the version label are set
// at build time with -ldflags "-X main.host=... -X main.label=...".
package main

import (
	"strings"
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

var (
	host  = "127.0.0.1"
	label = "v0"
)

func init() {
	wasmta.HandleRoute(func(in *wasmta.RouteInput) (wasmta.Route, bool) {
		return wasmta.Route{Hosts: []string{host}}, true
	})
	wasmta.HandleRcpt(func(in *wasmta.RcptInput) (wasmta.RcptResult, bool) {
		if strings.HasPrefix(in.Recipient, "blocked@") {
			return wasmta.RcptResult{Reject: &wasmta.Reply{Code: 550, Enhanced: "5.7.1",
				Text: "blocked by the " + label + " policy of " + in.Tenant}}, true
		}
		return wasmta.RcptResult{}, false
	})
	wasmta.HandleMessage(func(in *wasmta.MessageInput) (wasmta.MessageResult, bool) {
		return wasmta.MessageResult{AddHeaders: []wasmta.HeaderField{{Name: "X-Policy", Value: label}}}, true
	})
	wasmta.HandleClassify(func(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
		if strings.Contains(in.Text, "slow down") {
			return wasmta.Classification{Category: wasmta.RateLimited, Action: wasmta.ActionRetry,
				Scope: wasmta.ScopePath, Suspend: true, Duration: 2 * time.Second}, true
		}
		return wasmta.Classification{}, false
	})
}

func main() {}

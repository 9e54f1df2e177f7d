// Command default is wasmta's built-in default policy as a policy module:
// the decisions mta/policy.Default makes with no configuration. Loaded for
// a tenant it changes nothing, which makes it the template to copy and the
// baseline that benchmarks and the conformance tests compare against.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o default.wasm .
// Built natively it is an empty program whose handlers `go test` checks.
package main

import (
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleMailFrom(func(*wasmta.MailFromInput) (wasmta.MailFromResult, bool) {
		return wasmta.MailFromResult{}, true // accept, change nothing
	})
	wasmta.HandleRcpt(func(*wasmta.RcptInput) (wasmta.RcptResult, bool) {
		return wasmta.RcptResult{}, true
	})
	wasmta.HandleMessage(func(*wasmta.MessageInput) (wasmta.MessageResult, bool) {
		return wasmta.MessageResult{}, true
	})
	wasmta.HandleRoute(func(*wasmta.RouteInput) (wasmta.Route, bool) {
		return wasmta.Route{}, true // MX lookup of the recipient domain
	})
	wasmta.HandleSelectPool(func(*wasmta.PoolInput) (string, bool) {
		return "default", true
	})
	wasmta.HandleShape(func(*wasmta.ShapeInput) (wasmta.Shape, bool) {
		return defaultShape, true
	})
	wasmta.HandleClassify(func(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
		return classify(in), true
	})
}

// defaultShape is the engine's default path shape: 32 connections, no rate
// limit, retries from 20 minutes doubling up to 4 hours, expiry after 7 days.
var defaultShape = wasmta.Shape{
	MaxConnections: 32,
	RetryInitial:   20 * time.Minute,
	RetryMax:       4 * time.Hour,
	MaxAge:         7 * 24 * time.Hour,
	IdleTimeout:    60 * time.Second,
	ConnectTimeout: 60 * time.Second,
	CommandTimeout: 5 * time.Minute,
	DataTimeout:    10 * time.Minute,
}

func main() {}

// Command panic is the Go build of the panic policy of the fault tests
// (e2e/conformance): route panics for the domain panic.example,
// classify indexes out of range when the text mentions "panic". A Go panic
// ends the guest with `unreachable`, so the host faults the call.
package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleRoute(func(in *wasmta.RouteInput) (wasmta.Route, bool) {
		if in.Domain == "panic.example" {
			panic("policy panic")
		}
		return wasmta.Route{}, false
	})
	wasmta.HandleClassify(func(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
		if strings.Contains(in.Text, "panic") {
			var empty []string
			return wasmta.Classification{Category: empty[len(in.Text)]}, true
		}
		return wasmta.Classification{}, false
	})
}

func main() {}

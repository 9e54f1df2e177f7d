// Package wasmta is the Go SDK for wasmta policy modules (ABI v1, see
// hostabi/ABI.md in the wasmta repository).
//
// A policy is a main package built with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o policy.wasm .
//
// whose init function registers one handler per hook it implements:
//
//	func init() {
//		wasmta.HandleRoute(func(in *wasmta.RouteInput) (wasmta.Route, bool) {
//			if in.Tenant == "acme" {
//				return wasmta.Route{Hosts: []string{"relay.example.net:2525"}}, true
//			}
//			return wasmta.Route{}, false // no opinion: the built-in default decides
//		})
//	}
//
//	func main() {}
//
// A handler receives a pointer to an input that the next call overwrites:
// keep its strings if needed (they are never reused), not the pointer.
//
// The package owns the guest side of the ABI: the ABI marker and one export
// per hook (//go:wasmexport), the host imports (//go:wasmimport), reading
// typed inputs with buffers it reuses between calls, and writing typed
// results. A hook without a handler answers "no opinion". The author never
// sees a pointer or a status code.
//
// Built for any other GOOS the package has no imports or exports; Call*
// functions then run the registered handlers on a typed input and check the
// results against the ABI's ranges, so handlers are unit-tested with plain
// `go test`. The package never imports host packages (hostabi, mta/...).
package wasmta

// Package policy is the seam between the engine and the code that makes
// deliverability decisions. It defines the Policy interface (one method per
// hook of ABI v1), the typed inputs and results of each hook, the built-in
// Default policy written in Go, and Guard, which the engine calls: it falls
// back to the default when a hook is missing or faults and reports the
// fault.
//
// The engine imports this package and never wazero or hostabi; hostabi
// implements Policy for WebAssembly modules.
package policy

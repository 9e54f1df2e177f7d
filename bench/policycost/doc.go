// Package policycost measures what a policy decision costs per hook call, for
// one route and one classify logic written three ways: a Go policy module
// run by hostabi (with and without the per-call deadline guard), the same
// Go compiled natively, and the same rules as a Lua script run by
// gopher-lua, the way KumoMTA runs its policies. The benchmarks are in
// bench_test.go; TestImplementationsAgree proves the three make the same
// decisions, so the numbers compare like with like.
//
// It owns only benchmarks and their fixtures; nothing here is used by the
// MTA.
package policycost

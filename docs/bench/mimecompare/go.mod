// The measurement behind docs/RATIONALE.md, "Building MIME": mta/mime
// against emersion/go-message on the HTTP API's kind of message. A module
// of its own so that go-message stays out of wasmta's module graph:
//
//	cd docs/bench/mimecompare && go test -run '^$' -bench . -benchmem -count 6 -cpu 1
module github.com/wasmta/wasmta/docs/bench/mimecompare

go 1.26.8

replace github.com/wasmta/wasmta => ../../..

replace github.com/wasmta/wasmta/sdk/go => ../../../sdk/go

require (
	github.com/emersion/go-message v0.18.2
	github.com/wasmta/wasmta v0.0.0-00010101000000-000000000000
)

require (
	github.com/wasmta/wasmta/sdk/go v0.0.0-00010101000000-000000000000 // indirect
	golang.org/x/time v0.16.0 // indirect
)

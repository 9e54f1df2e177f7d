module github.com/wasmta/wasmta/sdk/go

go 1.24

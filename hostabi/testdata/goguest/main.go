//go:build wasip1

// Command goguest is a tiny policy written in Go against ABI v1 directly
// (no SDK), built by hostabi's tests with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// to prove that the host runs what the Go toolchain produces: the
// wasi_snapshot_preview1 imports of the Go runtime, _initialize, Go panics
// time.Sleep and an endless loop.
package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"
	"unsafe"
)

//go:wasmimport wasmta get
func hostGet(keyPtr unsafe.Pointer, keyLen uint32, bufPtr unsafe.Pointer, bufCap uint32) int32

//go:wasmimport wasmta get_i64
func hostGetI64(keyPtr unsafe.Pointer, keyLen uint32) int64

//go:wasmimport wasmta set
func hostSet(keyPtr unsafe.Pointer, keyLen uint32, valPtr unsafe.Pointer, valLen uint32) int32

//go:wasmimport wasmta set_i64
func hostSetI64(keyPtr unsafe.Pointer, keyLen uint32, v int64) int32

func get(key string) string {
	buf := make([]byte, 256)
	for {
		n := hostGet(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)), unsafe.Pointer(&buf[0]), uint32(len(buf)))
		if n < 0 {
			return ""
		}
		if int(n) <= len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, n)
	}
}

func set(key, val string) {
	hostSet(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)), unsafe.Pointer(unsafe.StringData(val)), uint32(len(val)))
}

func setI64(key string, v int64) {
	hostSetI64(unsafe.Pointer(unsafe.StringData(key)), uint32(len(key)), v)
}

// initialised proves that package initialisation ran before any hook.
var initialised = time.Now()

//go:wasmexport wasmta_abi_v1
func abiV1() {}

//go:wasmexport route
func route() int32 {
	if initialised.IsZero() {
		return 2
	}
	set("mx_domain", "mx."+get("domain"))
	return 0
}

//go:wasmexport on_rcpt
func onRcpt() int32 {
	if !strings.HasPrefix(get("recipient"), "reject") {
		return 1
	}
	setI64("reject.code", 550)
	set("reject.enhanced", "5.1.1")
	set("reject.text", "no such user here")
	return 0
}

//go:wasmexport select_pool
func selectPool() int32 {
	if get("tenant") == "panic" {
		panic("tenant asked for it")
	}
	set("pool", "go-"+get("tenant"))
	return 0
}

// spin is a global so that the compiler keeps the endless loop of shape.
var spin int64

//go:wasmexport shape
func shape() int32 {
	switch get("source") {
	case "sleep":
		time.Sleep(10 * time.Second)
	case "loop":
		for spin = 0; spin >= 0; spin++ {
		}
	}
	setI64("max_connections", 7)
	return 0
}

//go:wasmexport classify
func classify() int32 {
	code := hostGetI64(unsafe.Pointer(unsafe.StringData("code")), 4)
	fmt.Fprintf(os.Stderr, "classify code %d\n", code)
	if code >= 500 {
		set("category", "InvalidRecipient")
		set("action", "bounce")
	}
	return 0
}

// on_mail_from reports what the sandbox lets the Go runtime see: no file,
// no environment, no arguments, but a clock and random numbers.
//
//go:wasmexport on_mail_from
func onMailFrom() int32 {
	_, err := os.Open("/etc/passwd")
	set("meta.open", fmt.Sprint(err))
	_, err = os.ReadDir("/")
	set("meta.readdir", fmt.Sprint(err))
	set("meta.env", fmt.Sprint(len(os.Environ())))
	set("meta.args", fmt.Sprint(len(os.Args)))
	set("meta.clock", fmt.Sprint(time.Now().Year() >= 2024))
	var b [16]byte
	_, err = rand.Read(b[:])
	set("meta.random", fmt.Sprint(err == nil && b != [16]byte{}))
	return 0
}

func main() {}

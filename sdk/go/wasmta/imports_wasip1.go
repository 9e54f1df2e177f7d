//go:build wasip1

package wasmta

import "unsafe"

// Host functions of ABI v1 (module "wasmta"). A Go string parameter is
// passed as the (pointer, length) pair the ABI expects.

//go:wasmimport wasmta get
//go:noescape
func hostGet(key string, buf unsafe.Pointer, capacity uint32) int32

//go:wasmimport wasmta get_i64
//go:noescape
func hostGetI64(key string) int64

//go:wasmimport wasmta count
//go:noescape
func hostCount(key string) int32

//go:wasmimport wasmta get_at
//go:noescape
func hostGetAt(key string, index int32, buf unsafe.Pointer, capacity uint32) int32

//go:wasmimport wasmta set
//go:noescape
func hostSet(key string, value string) int32

//go:wasmimport wasmta set_i64
//go:noescape
func hostSetI64(key string, value int64) int32

//go:wasmimport wasmta set_f64
//go:noescape
func hostSetF64(key string, value float64) int32

//go:wasmimport wasmta log
//go:noescape
func hostLog(level int32, msg string) int32

// Status codes of ABI.md section 2.1.
const (
	statusNotFound     = -1
	statusNotAvailable = -3
)

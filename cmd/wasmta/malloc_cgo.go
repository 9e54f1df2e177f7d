//go:build cgo

package main

// cgoMalloc: C code in this build (Pebble's manual memory) allocates
// through the C library's malloc.
const cgoMalloc = true

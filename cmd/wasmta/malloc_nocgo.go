//go:build !cgo

package main

// cgoMalloc: without cgo nothing allocates through a C library's malloc.
const cgoMalloc = false

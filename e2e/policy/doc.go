// Package policy holds end-to-end tests of WebAssembly policies: real Go
// guest modules built with the SDK, loaded into hostabi, driving a real
// engine that receives and delivers over SMTP on loopback.
package policy

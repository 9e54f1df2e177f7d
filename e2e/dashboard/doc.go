// Package dashboard tests the admin listener's web dashboard in a real
// browser: headless Chromium (Debian's chromium, installed by
// scripts/install-deps.sh), driven over the DevTools protocol with
// chromedp, loads each view against a running wasmta (the engine with a
// wasm policy registry, a go-smtp sink and a loopback DNS server), checks
// what it shows through the DOM and takes a screenshot of it
// (docs/dashboard/*.png with -screenshots).
package dashboard

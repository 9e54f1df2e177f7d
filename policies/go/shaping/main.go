// Command shaping is a reference policy with traffic-shaping presets for the
// big mailbox providers — Gmail, Yahoo (and AOL), Microsoft (Outlook,
// Hotmail, Microsoft 365), Apple (iCloud) — and a conservative default for
// every other site. A provider is recognised by the provider name the host
// passes, else by the suffix of any MX host of the site, so every domain a
// provider hosts shares the provider's limits. PRESETS.md says where each
// figure comes from.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o shaping.wasm .
package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleShape(func(in *wasmta.ShapeInput) (wasmta.Shape, bool) {
		return presets[providerOf(in)].shape, true
	})
}

// providerOf names the preset for a path: the host's provider name when it
// is one we know, else the first MX host with a known suffix, else
// "default".
func providerOf(in *wasmta.ShapeInput) string {
	if p, ok := providerAliases[strings.ToLower(in.Provider)]; ok {
		return p
	}
	for _, mx := range in.MXHosts {
		mx = strings.ToLower(strings.TrimSuffix(mx, "."))
		for _, m := range mxSuffixes {
			if strings.HasSuffix(mx, m.suffix) {
				return m.provider
			}
		}
	}
	return "default"
}

func main() {}

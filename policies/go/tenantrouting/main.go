// Command tenantrouting is a reference policy that routes and pools mail by
// tenant and campaign, and refuses recipients in domains no tenant may mail:
//
//   - select_pool: a campaign named "bulk-..." goes to pool "bulk"; otherwise
//     a tenant listed in tenantPools gets its own pool ("acme" → "acme-pool");
//     anything else is left to the default pool.
//   - route: a tenant listed in smartHosts delivers everything through its
//     smart hosts (no MX lookup); anything else uses MX.
//   - on_rcpt: a recipient whose domain is in blockedDomains is refused with
//     550 5.7.1 and a text that names the domain.
//
// The tables are plain Go variables: edit them, rebuild, push.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tenantrouting.wasm .
package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// bulkPrefix marks a bulk campaign by name.
const bulkPrefix = "bulk-"

var (
	tenantPools = map[string]string{
		"acme":   "acme-pool",
		"globex": "globex-pool",
	}
	smartHosts = map[string][]string{
		"relayco": {"smtp-relay.example.net:587", "smtp-relay-2.example.net:587"},
	}
	blockedDomains = map[string]bool{
		"blocked.example":      true,
		"competitor.example":   true,
		"spamtrap.example.org": true,
	}
)

func init() {
	wasmta.HandleSelectPool(selectPool)
	wasmta.HandleRoute(route)
	wasmta.HandleRcpt(rcpt)
}

func selectPool(in *wasmta.PoolInput) (string, bool) {
	if strings.HasPrefix(in.Campaign, bulkPrefix) {
		return "bulk", true
	}
	if p, ok := tenantPools[in.Tenant]; ok {
		return p, true
	}
	return "", false
}

func route(in *wasmta.RouteInput) (wasmta.Route, bool) {
	if hosts, ok := smartHosts[in.Tenant]; ok {
		return wasmta.Route{Hosts: hosts}, true
	}
	return wasmta.Route{}, false
}

func rcpt(in *wasmta.RcptInput) (wasmta.RcptResult, bool) {
	at := strings.LastIndexByte(in.Recipient, '@')
	domain := strings.ToLower(in.Recipient[at+1:])
	if !blockedDomains[domain] {
		return wasmta.RcptResult{}, false
	}
	return wasmta.RcptResult{Reject: &wasmta.Reply{
		Code:     550,
		Enhanced: "5.7.1",
		Text:     "Recipient domain " + domain + " is not accepted by this sender's policy",
	}}, true
}

func main() {}

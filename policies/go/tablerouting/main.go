// Command tablerouting is tenantrouting with its data in tables (ABI
// v1.4): the same decisions, but the tenant -> pool map, the tenant ->
// smart host map and the blocked domains are pushed at run time with
// `wasmta table push` and change without a new module.
//
//   - select_pool: the pool the table tenant_pools names for the tenant;
//     a tenant not in it is left to the default pool. (A pool that is not
//     configured is the engine's to report: a PolicyFault record, and the
//     default pool.)
//   - route: the smart hosts (comma-separated) the table tenant_routes
//     names for the tenant; anything else uses MX. Decisions are cached
//     per table version: a push of tenant_routes re-routes at once.
//   - on_rcpt: a recipient whose domain (lowercased) is a key of the table
//     blocked_domains, or who is on the tenant's suppression list
//     (the built-in table @suppressed), is refused with 550 5.7.1.
//
// Tables (global with --tenant '*', or per tenant):
//
//	tenant,pool           tenant,hosts                          domain,reason
//	acme,warm             relayco,"relay1.example:587,relay2..."  blocked.example,competitor
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o tablerouting.wasm .
package main

import (
	"strings"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// Table names.
const (
	tenantPools    = "tenant_pools"
	tenantRoutes   = "tenant_routes"
	blockedDomains = "blocked_domains"
	suppressed     = "@suppressed"
)

func init() {
	wasmta.HandleSelectPool(selectPool)
	wasmta.HandleRoute(route)
	wasmta.HandleRcpt(rcpt)
}

func selectPool(in *wasmta.PoolInput) (string, bool) {
	pool, ok := wasmta.Lookup(tenantPools, in.Tenant)
	return pool, ok && pool != ""
}

func route(in *wasmta.RouteInput) (wasmta.Route, bool) {
	v, ok := wasmta.Lookup(tenantRoutes, in.Tenant)
	if !ok {
		return wasmta.Route{}, false
	}
	var hosts []string
	for _, h := range strings.Split(v, ",") {
		if h = strings.TrimSpace(h); h != "" {
			hosts = append(hosts, h)
		}
	}
	return wasmta.Route{Hosts: hosts}, len(hosts) > 0
}

func rcpt(in *wasmta.RcptInput) (wasmta.RcptResult, bool) {
	domain := strings.ToLower(in.Recipient[strings.LastIndexByte(in.Recipient, '@')+1:])
	text := ""
	if _, ok := wasmta.Lookup(blockedDomains, domain); ok {
		text = "Recipient domain " + domain + " is not accepted by this sender's policy"
	} else if reason, ok := wasmta.Lookup(suppressed, in.Recipient); ok {
		text = "Recipient is on this sender's suppression list (" + reason + ")"
	}
	if text == "" {
		return wasmta.RcptResult{}, false
	}
	return wasmta.RcptResult{Reject: &wasmta.Reply{Code: 550, Enhanced: "5.7.1", Text: text}}, true
}

func main() {}

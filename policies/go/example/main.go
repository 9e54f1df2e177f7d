// Command example is the worked example of docs/policies.md (acme's
// policy), kept here so that the guide's code is built and tested. Keep
// the two identical.
package main

import (
	"strings"
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleSelectPool(selectPool)
	wasmta.HandleRcpt(rcpt)
	wasmta.HandleClassify(classify)
}

func selectPool(in *wasmta.PoolInput) (string, bool) {
	if strings.HasPrefix(in.Campaign, "news-") {
		return "acme-bulk", true
	}
	return "acme-transactional", true
}

func rcpt(in *wasmta.RcptInput) (wasmta.RcptResult, bool) {
	if !strings.HasSuffix(strings.ToLower(in.Recipient), "@example.invalid") {
		return wasmta.RcptResult{}, false // no opinion: accept
	}
	return wasmta.RcptResult{Reject: &wasmta.Reply{
		Code: 550, Enhanced: "5.7.1", Text: "acme does not send to example.invalid",
	}}, true
}

func classify(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
	if !strings.Contains(in.Text, "[TSS04]") {
		return wasmta.Classification{}, false // the default classifies
	}
	return wasmta.Classification{
		Category: wasmta.RateLimited,
		Action:   wasmta.ActionRetry, // keep the message queued
		Scope:    wasmta.ScopePath,   // this sending IP to Yahoo
		Suspend:  true,
		Duration: time.Hour,
	}, true
}

// main is never called: the module is a library (-buildmode=c-shared);
// handlers are registered by init.
func main() {}

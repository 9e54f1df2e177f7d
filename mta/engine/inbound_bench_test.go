package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/verp"
)

// BenchmarkInboundReport measures the processing of one kept report: an
// RFC 3464 bounce to a VERP return path, parsed, matched (signature
// checked), classified, recorded and turned into a suppression entry
// (synced), each for another recipient. Reports per second per core is
// 1/(ns/op) on one goroutine.
//
//	go test -run '^$' -bench InboundReport ./mta/engine/
func BenchmarkInboundReport(b *testing.B) {
	e, _, _ := testEngine(b, feedbackConfig(b, ""), Options{})
	ctx := context.Background()
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		id := message.NewID(now)
		rcpt := fmt.Sprintf("user%d@x.example", i)
		rp := e.fb.signer.Address("b", "bounce.acme.test", verp.Token{ID: id, Rcpt: 0, Tenant: "acme", Addr: rcpt})
		v := encodeInbound(inboundEnvelope{Recipients: []string{rp}, Received: now},
			[]byte(dsnFor(rcpt, "Subject: x\r\n")))
		if err := e.processReport(ctx, message.NewID(now), v); err != nil {
			b.Fatal(err)
		}
	}
}

package history

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/events"
)

// BenchmarkIndexRecord measures what indexing costs per record: the copy
// Record makes on the records writer's goroutine and the writer's share
// of the Pebble batch (Flush every 1,000 records, as the 100 ms writer
// does under about 10,000 records/s).
func BenchmarkIndexRecord(b *testing.B) {
	st := openSpool(b, b.TempDir())
	defer st.Close()
	x := Open(st, Options{})
	now := time.Now()
	r := &events.Record{Type: events.Delivery, Tenant: "acme", Campaign: "c1", Site: "gmail-smtp-in.l.google.com",
		Source: "ip1", Response: nil, Category: "Delivered"}
	b.ResetTimer()
	for i := range b.N {
		rec := *r
		rec.Time = now.Add(time.Duration(i) * time.Millisecond)
		rec.ID = fmt.Sprintf("%032x", i/3)
		rec.Recipient = fmt.Sprintf("user%d@gmail.test", i)
		x.Record(&rec)
		if i%1000 == 999 {
			if err := x.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := x.Flush(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkTrace measures a message's lookup in a history of 200,000
// records spread over the 168 hour buckets of a 7-day retention.
func BenchmarkTrace(b *testing.B) {
	st := openSpool(b, b.TempDir())
	defer st.Close()
	now := time.Now()
	x := Open(st, Options{Retention: 7 * 24 * time.Hour})
	const n = 200000
	for i := range n {
		at := now.Add(-time.Duration(i) * (7 * 24 * time.Hour / n))
		x.Record(&events.Record{Type: events.Delivery, Time: at, ID: fmt.Sprintf("%032x", i/2), Tenant: "acme",
			Recipient: fmt.Sprintf("user%d@gmail.test", i)})
		if i%5000 == 4999 {
			if err := x.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := x.Flush(); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		id := fmt.Sprintf("%032x", (i*7919)%(n/2))
		if _, ok, err := x.Message(ctx, id); err != nil || !ok {
			b.Fatalf("%s: %v %v", id, ok, err)
		}
	}
}

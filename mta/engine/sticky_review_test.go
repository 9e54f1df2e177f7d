package engine

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
)

// A 4xx that names the sending host (a DNS list that lists one source of
// the pool, category SpamBlock) is about the source, not the message: the
// retry takes any source of the pool. Kept on the listed source, as a
// greylisted message is, the mail deferred there was retried there until
// it expired, while the pool's other source delivered everything it was
// given.
func TestHostRefusalIsNotRetriedFromTheSameSource(t *testing.T) {
	t.Parallel()
	const n = 8
	sink := testsink.Start(t, testsink.Options{RespondClient: func(client, stage, _ string) *smtp.SMTPError {
		if stage != testsink.StageRcpt || client != "127.0.0.1" {
			return nil
		}
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1},
			Message: "Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org"}
	}})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: policy.Shape{MaxConnections: 2, MessagesPerSecond: 50,
		RetryInitial: 200 * time.Millisecond, RetryMax: 400 * time.Millisecond, MaxAge: time.Hour}})
	pool := "[[source]]\nname = \"lo1\"\naddress = \"127.0.0.1\"\n" +
		"[[source]]\nname = \"lo2\"\naddress = \"127.0.0.2\"\n" +
		"[[pool]]\nname = \"default\"\nsources = [{ name = \"lo1\" }, { name = \"lo2\" }]\n"
	_, rec, addr := testEngine(t, routeTo(sink)+pool+"[queue]\nretry_jitter = 0.0\n", Options{Registry: reg})
	sendN(t, addr, n)
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	for _, r := range rec.All(events.TransientFailure) {
		if r.Category != policy.CategorySpamBlock {
			t.Errorf("deferred as %q, want %q", r.Category, policy.CategorySpamBlock)
			break
		}
	}
	t.Logf("%d messages delivered after %d deferrals from the listed source", n, rec.Count(events.TransientFailure))
}

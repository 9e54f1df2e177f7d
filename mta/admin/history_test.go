package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/internal/teststack"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/history"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/suppress"
)

// sendCampaign submits one message of a campaign (X-Campaign header) and
// returns the id the server gave it (from the 250 reply).
func sendCampaign(t *testing.T, addr, user, campaign string, to []string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(sasl.NewPlainClient("", user, teststack.Password)); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("From: app@sender.test\r\nX-Campaign: %s\r\nSubject: history\r\n\r\nhello\r\n", campaign)
	return c.SendMail("app@sender.test", to, strings.NewReader(body))
}

// faultyPool is a policy whose select_pool fails: every message of its
// tenant writes a PolicyFault and goes on with the default pool.
type faultyPool struct{ *policy.Default }

func (faultyPool) Version() string { return "faulty-1" }
func (faultyPool) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", errors.New("select_pool trapped")
}

// TestMessageHistory: a real engine delivers, defers, bounces and refuses
// mail to a real go-smtp sink; once the messages have left the queue,
// every record of each one (reception, attempts, deferral, delivery,
// bounce, OOB, feedback, the refusal of a suppressed recipient, the
// tenant's policy faults) is found by id, by recipient and by campaign.
func TestMessageHistory(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{Respond: teststack.Replies})
	s := startStack(t, stackConfig(sink.Addr())+teststack.Tenant("ctl")+
		"[queue]\nretry_initial = \"1h\"\n", faultyPool{&policy.Default{Routes: map[string][]string{"*": {sink.Addr()}}}})
	if err := sendCampaign(t, s.smtp, "ctl", "spring", []string{"ok@dest.test", "bad@dest.test", "slow@dest.test"}); err != nil {
		t.Fatal(err)
	}
	s.rec.WaitFor(t, events.TransientFailure, 1, 10*time.Second)
	waitFor(t, 5*time.Second, "slow@ back in the scheduled queue", func() bool {
		var sum QueueSummary
		s.call(t, "GET", "/v1/queues", nil, true, &sum)
		return sum.Scheduled == 1
	})
	s.call(t, "POST", "/v1/bounce", BounceRequest{Selector: message.Selector{Tenant: "ctl"}}, true, nil)
	s.rec.WaitFor(t, events.AdminBounce, 1, 10*time.Second) // the message is gone
	rcp := s.rec.All(events.Reception)[0]
	// What the inbound processor writes for a report about this message.
	s.eng.Emit(&events.Record{Type: events.OOB, ID: rcp.ID, Tenant: "ctl", Recipient: "bad@dest.test", Category: "InvalidRecipient"})
	s.eng.Emit(&events.Record{Type: events.Feedback, ID: rcp.ID, Tenant: "ctl", Recipient: "ok@dest.test", Category: "abuse"})
	// A suppressed recipient is refused at RCPT: a record with no message.
	s.call(t, "POST", "/v1/suppressions", SuppressionRequest{Tenant: "ctl",
		Entries: []suppress.Entry{{Recipient: "gone@dest.test", Reason: suppress.ReasonManual}}}, true, nil)
	if err := sendCampaign(t, s.smtp, "ctl", "spring", []string{"gone@dest.test"}); err == nil {
		t.Fatal("a suppressed recipient was accepted")
	}
	var tr history.Trace
	waitFor(t, 10*time.Second, "the trace to hold the OOB and Feedback records", func() bool {
		s.call(t, "GET", "/v1/messages/"+rcp.ID+"/trace", nil, true, &tr)
		return slices.ContainsFunc(tr.Records, func(r events.Record) bool { return r.Type == events.Feedback })
	})
	if code := s.call(t, "GET", "/v1/messages/"+rcp.ID, nil, true, nil); code != http.StatusNotFound {
		t.Errorf("the message is still queued (%d): the test wants it gone", code)
	}
	want := map[events.Type]int{events.Reception: 1, events.Delivery: 1, events.Bounce: 1,
		events.TransientFailure: 1, events.AdminBounce: 1, events.OOB: 1, events.Feedback: 1}
	got := map[events.Type]int{}
	for _, r := range tr.Records {
		got[r.Type]++
	}
	for typ, n := range want {
		if got[typ] < n {
			t.Errorf("trace has %d %s records, want at least %d: %v", got[typ], typ, n, got)
		}
	}
	if len(tr.PolicyFaults) == 0 || tr.PolicyFaults[0].Hook != policy.HookSelectPool {
		t.Errorf("policy faults of the trace = %+v, want the select_pool fault", tr.PolicyFaults)
	}
	if !slices.IsSortedFunc(tr.Records, func(a, b events.Record) int { return a.Time.Compare(b.Time) }) {
		t.Error("records are not oldest first")
	}

	var byRcpt TraceList
	s.call(t, "GET", "/v1/trace?rcpt=BAD@dest.test", nil, true, &byRcpt)
	if len(byRcpt.Traces) != 1 || byRcpt.Traces[0].ID != rcp.ID {
		t.Fatalf("trace by recipient = %+v", byRcpt)
	}
	for _, r := range byRcpt.Traces[0].Records {
		if r.Recipient != "" && r.Recipient != "bad@dest.test" {
			t.Errorf("trace of bad@ holds a record of %s", r.Recipient)
		}
	}
	// The refusal was recorded after the Feedback record waited for above,
	// and the index writes in batches: wait for it too. The operator's
	// SuppressionAdded record comes before it.
	var gone TraceList
	waitFor(t, 10*time.Second, "the suppressed recipient's Rejection in its trace", func() bool {
		gone = TraceList{}
		s.call(t, "GET", "/v1/trace?rcpt=gone@dest.test", nil, true, &gone)
		return len(gone.Traces) > 0 && len(gone.Traces[0].Records) >= 2
	})
	if len(gone.Traces) != 1 || gone.Traces[0].ID != "" || len(gone.Traces[0].Records) != 2 ||
		gone.Traces[0].Records[0].Type != events.SuppressionAdded || gone.Traces[0].Records[1].Type != events.Rejection {
		t.Errorf("trace of the suppressed recipient = %+v, want the SuppressionAdded and Rejection records", gone)
	}
	var camp CampaignMessages
	s.call(t, "GET", "/v1/trace?tenant=ctl&campaign=spring", nil, true, &camp)
	if len(camp.Messages) != 1 || camp.Messages[0].ID != rcp.ID {
		t.Errorf("campaign search = %+v, want the one accepted message", camp)
	}
	var faults FaultList
	s.call(t, "GET", "/v1/faults?tenant=ctl", nil, true, &faults)
	if len(faults.Faults) == 0 {
		t.Error("no policy fault of ctl")
	}
}

func TestHistoryErrors(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	tests := []struct {
		path string
		want int
	}{
		{"/v1/messages/0123456789abcdef0123456789abcdef/trace", http.StatusNotFound},
		{"/v1/trace", http.StatusBadRequest},
		{"/v1/trace?rcpt=a@b.test&campaign=c", http.StatusBadRequest},
		{"/v1/trace?rcpt=a@b.test&limit=0", http.StatusBadRequest},
		{"/v1/trace?rcpt=a@b.test&colour=red", http.StatusBadRequest},
		{"/v1/trace?campaign=c&tenant=nobody", http.StatusNotFound},
		{"/v1/trace?rcpt=a@b.test", http.StatusOK},
		{"/v1/faults?tenant=*", http.StatusOK},
	}
	for _, tt := range tests {
		if got := s.call(t, "GET", tt.path, nil, true, nil); got != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.path, got, tt.want)
		}
	}
	off := startStack(t, stackConfig("127.0.0.1:1")+"[history]\nenabled = false\n", nil)
	if got := off.call(t, "GET", "/v1/trace?rcpt=a@b.test", nil, true, nil); got != http.StatusNotImplemented {
		t.Errorf("history off: %d, want 501", got)
	}
}

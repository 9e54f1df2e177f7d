package admin

import (
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/suppress"
)

// TestManualSuppressionRecords: entries an operator adds through the
// admin API write SuppressionAdded records with meta.origin "admin" (one
// per entry added, none for an address already listed), removals write
// SuppressionRemoved records with the entry's reason and cause, and both
// are found in the recipient's history.
func TestManualSuppressionRecords(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{})
	s := startStack(t, stackConfig(sink.Addr()), nil)
	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	var res SuppressionResult
	s.call(t, "POST", "/v1/suppressions", SuppressionRequest{Tenant: "acme", Entries: []suppress.Entry{
		{Recipient: "gone@dest.test", Cause: "ticket 123"},
		{Recipient: "later@dest.test", Reason: suppress.ReasonUnsubscribe, Expires: exp},
	}}, true, &res)
	s.call(t, "POST", "/v1/suppressions", SuppressionRequest{Tenant: suppress.GlobalList, Entries: []suppress.Entry{
		{Recipient: "trap@dest.test", Reason: suppress.ReasonComplaint}}}, true, nil)
	s.call(t, "POST", "/v1/suppressions", SuppressionRequest{Tenant: "acme", Entries: []suppress.Entry{
		{Recipient: "GONE@dest.test"}}}, true, nil) // already listed: no record
	if res.Added != 2 {
		t.Fatalf("added %d, want 2", res.Added)
	}
	s.rec.WaitFor(t, events.SuppressionAdded, 3, 5*time.Second)
	byRcpt := map[string]events.Record{}
	for _, r := range s.rec.All(events.SuppressionAdded) {
		byRcpt[r.Recipient] = r
		if r.Meta["origin"] != "admin" || r.ID != "" {
			t.Errorf("SuppressionAdded %+v: want meta.origin admin and no message id", r)
		}
	}
	if g := byRcpt["gone@dest.test"]; g.Tenant != "acme" || g.Scope != "tenant" || g.Reason != suppress.ReasonManual ||
		g.Meta["cause"] != "ticket 123" || g.Expires != nil {
		t.Errorf("record of gone@: %+v", g)
	}
	if l := byRcpt["later@dest.test"]; l.Reason != suppress.ReasonUnsubscribe || l.Expires == nil || !l.Expires.Equal(exp) {
		t.Errorf("record of later@: %+v, want reason unsubscribe, expires %v", l, exp)
	}
	if g := byRcpt["trap@dest.test"]; g.Tenant != "" || g.Scope != "global" {
		t.Errorf("record of the global entry: %+v", g)
	}

	s.call(t, "POST", "/v1/suppressions/remove", SuppressionRequest{Tenant: "acme",
		Recipients: []string{"gone@dest.test", "never@dest.test"}}, true, &res)
	if res.Removed != 1 {
		t.Errorf("removed %d, want 1", res.Removed)
	}
	s.rec.WaitFor(t, events.SuppressionRemoved, 1, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	rm := s.rec.All(events.SuppressionRemoved)
	if len(rm) != 1 || rm[0].Tenant != "acme" || rm[0].Recipient != "gone@dest.test" || rm[0].Scope != "tenant" ||
		rm[0].Reason != suppress.ReasonManual || rm[0].Meta["origin"] != "admin" || rm[0].Meta["cause"] != "ticket 123" {
		t.Errorf("SuppressionRemoved records %+v, want one of gone@ with its entry's reason and cause", rm)
	}

	var tl TraceList
	waitFor(t, 10*time.Second, "both records in gone@'s history", func() bool {
		tl = TraceList{}
		s.call(t, "GET", "/v1/trace?rcpt=gone@dest.test", nil, true, &tl)
		return len(tl.Traces) == 1 && len(tl.Traces[0].Records) == 2
	})
	if r := tl.Traces[0].Records; r[0].Type != events.SuppressionAdded || r[1].Type != events.SuppressionRemoved {
		t.Errorf("gone@'s history: %+v", r)
	}
}

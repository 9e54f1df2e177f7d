package suppress

import (
	"fmt"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/spool"
)

func openSpool(t testing.TB, dir string) *spool.Store {
	t.Helper()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func TestAddLookupRemove(t *testing.T) {
	dir := t.TempDir()
	sp := openSpool(t, dir)
	s, err := Open(sp)
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{Tenant: "acme", Recipient: "Gone@Example.org", Reason: ReasonHardBounce, Cause: "OOB 0123"}
	if ok, err := s.Add(e, t0); !ok || err != nil {
		t.Fatalf("Add: %v, %v", ok, err)
	}
	// A second report of the same recipient changes nothing.
	if ok, err := s.Add(Entry{Tenant: "acme", Recipient: "gone@example.org", Reason: ReasonComplaint}, t0.Add(time.Hour)); ok || err != nil {
		t.Fatalf("second Add: %v, %v", ok, err)
	}
	got, ok, err := s.Lookup("acme", "GONE@example.ORG", t0)
	if !ok || err != nil || got.Reason != ReasonHardBounce || got.Cause != "OOB 0123" || !got.Added.Equal(t0) {
		t.Fatalf("Lookup = %+v, %v, %v", got, ok, err)
	}
	if _, ok, _ := s.Lookup("beta", "gone@example.org", t0); ok {
		t.Error("suppressed for another tenant")
	}
	// The list survives a restart.
	sp.Close()
	sp = openSpool(t, dir)
	defer sp.Close()
	if s, err = Open(sp); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Lookup("acme", "gone@example.org", t0); !ok {
		t.Fatal("lost at restart")
	}
	if ok, err := s.Remove("acme", "gone@example.org"); !ok || err != nil {
		t.Fatalf("Remove: %v, %v", ok, err)
	}
	if _, ok, _ := s.Lookup("acme", "gone@example.org", t0); ok {
		t.Error("still suppressed after Remove")
	}
}

// TestAddReplacesDamaged: an entry whose stored value no longer decodes
// fails its lookup; adding the recipient again replaces it (else every
// report about the recipient would fail for good).
func TestAddReplacesDamaged(t *testing.T) {
	sp := openSpool(t, t.TempDir())
	defer sp.Close()
	s, err := Open(sp)
	if err != nil {
		t.Fatal(err)
	}
	e := Entry{Tenant: "acme", Recipient: "gone@example.org", Reason: ReasonHardBounce}
	if _, err := s.Add(e, t0); err != nil {
		t.Fatal(err)
	}
	if err := sp.PutAux(namespace, []byte(key("acme", "gone@example.org")), []byte("{damaged"), true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Lookup("acme", "gone@example.org", t0); err == nil {
		t.Fatal("Lookup of a damaged entry: no error")
	}
	if ok, err := s.Add(Entry{Tenant: "acme", Recipient: "gone@example.org", Reason: ReasonComplaint}, t0); !ok || err != nil {
		t.Fatalf("Add over a damaged entry: %v, %v", ok, err)
	}
	if got, ok, err := s.Lookup("acme", "gone@example.org", t0); !ok || err != nil || got.Reason != ReasonComplaint {
		t.Errorf("Lookup after the replacement = %+v, %v, %v", got, ok, err)
	}
}

func TestExpiry(t *testing.T) {
	sp := openSpool(t, t.TempDir())
	defer sp.Close()
	s, _ := Open(sp)
	s.Add(Entry{Tenant: "acme", Recipient: "a@x.example", Reason: ReasonManual, Expires: t0.Add(time.Hour)}, t0)
	if _, ok, _ := s.Lookup("acme", "a@x.example", t0.Add(59*time.Minute)); !ok {
		t.Error("not suppressed before its expiry")
	}
	if _, ok, _ := s.Lookup("acme", "a@x.example", t0.Add(time.Hour)); ok {
		t.Error("suppressed at its expiry")
	}
	// An expired entry is replaced by a new one.
	if ok, _ := s.Add(Entry{Tenant: "acme", Recipient: "a@x.example", Reason: ReasonComplaint}, t0.Add(2*time.Hour)); !ok {
		t.Error("an expired entry blocked a new one")
	}
}

func TestBadEntries(t *testing.T) {
	sp := openSpool(t, t.TempDir())
	defer sp.Close()
	s, _ := Open(sp)
	for _, e := range []Entry{{Recipient: "no-at", Reason: ReasonManual}, {Recipient: "a@b.example", Reason: "because"}} {
		if _, err := s.Add(e, t0); err == nil {
			t.Errorf("Add(%+v) accepted", e)
		}
	}
}

func TestListPages(t *testing.T) {
	sp := openSpool(t, t.TempDir())
	defer sp.Close()
	s, _ := Open(sp)
	var es []Entry
	for i := range 25 {
		es = append(es, Entry{Tenant: "acme", Recipient: fmt.Sprintf("u%02d@x.example", i), Reason: ReasonManual})
	}
	es = append(es, Entry{Tenant: "acme2", Recipient: "other@x.example", Reason: ReasonManual})
	if n, err := s.AddMany(es, t0); n != 26 || err != nil {
		t.Fatalf("AddMany: %d, %v", n, err)
	}
	var all []string
	after := ""
	for {
		var page []string
		err := s.List("acme", after, func(e Entry) error {
			page = append(page, e.Recipient)
			if len(page) == 10 {
				return ErrStop
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
		if len(page) < 10 {
			break
		}
		after = page[len(page)-1]
	}
	if len(all) != 25 || all[0] != "u00@x.example" || all[24] != "u24@x.example" {
		t.Errorf("listed %d: %v", len(all), all)
	}
}

// TestLookupAnyGlobal: a tenant's mail is checked against its own list,
// then the global one; another tenant's entry suppresses nobody else.
func TestLookupAnyGlobal(t *testing.T) {
	sp := openSpool(t, t.TempDir())
	defer sp.Close()
	s, err := Open(sp)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, e := range []Entry{
		{Tenant: GlobalList, Recipient: "g@x.test", Reason: ReasonHardBounce},
		{Tenant: "acme", Recipient: "a@x.test", Reason: ReasonComplaint},
		{Tenant: GlobalList, Recipient: "old@x.test", Reason: ReasonBounce, Expires: now.Add(-time.Second)},
	} {
		if _, err := s.Add(e, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		tenant, rcpt, list string
	}{
		{"acme", "g@x.test", GlobalList}, {"beta", "G@X.test", GlobalList}, {"acme", "a@x.test", "acme"},
		{"beta", "a@x.test", ""}, {"beta", "old@x.test", ""}, {"", "g@x.test", GlobalList},
	} {
		e, ok, err := s.LookupAny(tc.tenant, tc.rcpt, now)
		if err != nil || ok != (tc.list != "") || (ok && e.Tenant != tc.list) {
			t.Errorf("LookupAny(%q, %q) = %+v, %v, %v; want list %q", tc.tenant, tc.rcpt, e, ok, err, tc.list)
		}
	}
}

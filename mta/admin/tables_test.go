package admin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wasmta/wasmta/internal/testrows"
	"github.com/wasmta/wasmta/internal/teststack"
)

func TestTablesAPI(t *testing.T) {
	s := startStack(t, teststack.Config("127.0.0.1:1")+"[tables]\nmax_bytes = \"1MiB\"\n", nil)
	c := Client{Base: s.api, Token: token}
	ctx := context.Background()
	push := func(tenant, name, ctype, body string) (TableVersion, error) {
		var v TableVersion
		err := c.Call(ctx, "PUT", "/v1/tenants/"+tenant+"/tables/"+name, Stream{strings.NewReader(body), ctype}, &v)
		return v, err
	}
	if v, err := push("acme", "pools", "text/csv", "tenant,pool\nacme,warm\n"); err != nil || v.Number != 1 || v.Rows != 1 {
		t.Fatalf("push: %+v %v", v, err)
	}
	if _, err := push("*", "blocked", "application/jsonl", `{"key":"spam.example","value":"yes"}`+"\n"); err != nil {
		t.Fatal(err)
	}
	var row TableRow
	if err := c.Call(ctx, "GET", "/v1/tenants/acme/tables/pools?key=acme", nil, &row); err != nil || !row.Found || row.Value != "warm" {
		t.Errorf("get key: %+v %v", row, err)
	}
	refusals := []struct {
		tenant, body string
		status       int
		want         string
	}{
		{"acme", "tenant,pool\nacme,cold\nacme,hot\n", 422, `line 3: duplicate key "acme"`},
		{"acme", "tenant,pool\nbeta\n", 422, "line 2: wrong number of columns"},
		{"acme", "tenant,pool\n\x00\x01\x02\xff,\xfe\n", 422, "line 2: a field is not valid UTF-8"},
		{"nosuch", "a,b\nc,d\n", 404, `no [[tenant]] is named "nosuch"`},
	}
	for _, r := range refusals {
		_, err := push(r.tenant, "pools", "text/csv", r.body)
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != r.status || !strings.Contains(ae.Message, r.want) {
			t.Errorf("push %q: %v, want %d with %q", r.body, err, r.status, r.want)
		}
	}
	// A 1 GiB upload against max_bytes = 1MiB: refused once the limit is
	// passed, without the server reading (or the client sending) it all.
	start := time.Now()
	big := &testrows.Source{N: 40_000_000} // ~1 GiB
	_, err := c.Do(ctx, "PUT", "/v1/tenants/acme/tables/pools", Stream{big, "text/csv"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge || !strings.Contains(ae.Message, "tables.max_bytes") {
		t.Errorf("1 GiB push: %v, want 413 naming tables.max_bytes", err)
	}
	t.Logf("1 GiB push refused after %v, %d rows generated", time.Since(start), big.Rows())
	if err := c.Call(ctx, "GET", "/v1/tenants/acme/tables/pools?key=acme", nil, &row); err != nil || row.Value != "warm" {
		t.Errorf("after refused pushes the version in force answers %+v %v", row, err)
	}
	if _, err := push("acme", "pools", "text/csv", "tenant,pool\nacme,cold\n"); err != nil {
		t.Fatal(err)
	}
	var list []TableInfo
	if err := c.Call(ctx, "GET", "/v1/tenants/acme/tables", nil, &list); err != nil || len(list) != 1 ||
		list[0].Current.Number != 2 || list[0].Previous == nil || list[0].Previous.Number != 1 {
		t.Errorf("list: %+v %v", list, err)
	}
	var v TableVersion
	if err := c.Call(ctx, "POST", "/v1/tenants/acme/tables/pools/rollback", nil, &v); err != nil || v.Number != 3 || v.RolledBackFrom != 1 {
		t.Errorf("rollback: %+v %v", v, err)
	}
	var page TableRows
	if err := c.Call(ctx, "GET", "/v1/tenants/acme/tables/pools?limit=10", nil, &page); err != nil || len(page.Rows) != 1 || page.Rows[0].Value != "warm" {
		t.Errorf("rows after rollback: %+v %v", page, err)
	}
	var deleted map[string]string
	if err := c.Call(ctx, "DELETE", "/v1/tenants/acme/tables/pools", nil, &deleted); err != nil {
		t.Fatal(err)
	}
	if err := c.Call(ctx, "GET", "/v1/tenants/acme/tables/pools", nil, &deleted); !errors.As(err, &ae) || ae.Status != 404 {
		t.Errorf("get after delete: %v, want 404", err)
	}
}

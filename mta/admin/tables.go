package admin

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/tables"
)

// Media types of a pushed table.
const (
	mediaCSV    = "text/csv"
	mediaJSONL  = "application/jsonl"
	mediaNDJSON = "application/x-ndjson"
)

func registerTables(s *Server) {
	s.Handle("GET /v1/tenants/{tenant}/tables", s.listTables)
	s.Handle("GET /v1/tenants/{tenant}/tables/{name}", s.getTable)
	// The table is the raw body, read as it streams in.
	s.handle("PUT /v1/tenants/{tenant}/tables/{name}",
		s.protected(HandlerFunc(s.pushTable), mediaCSV, mediaJSONL, mediaNDJSON, "text/plain", "application/octet-stream"))
	s.Handle("POST /v1/tenants/{tenant}/tables/{name}/rollback", s.rollbackTable)
	s.Handle("DELETE /v1/tenants/{tenant}/tables/{name}", s.deleteTable)
}

// TableVersion is one version of a table.
type TableVersion struct {
	Number         int       `json:"version"`
	Rows           int64     `json:"rows"`
	Bytes          int64     `json:"bytes"`
	Format         string    `json:"format"`
	PushedAt       time.Time `json:"pushed_at"`
	RolledBackFrom int       `json:"rolled_back_from,omitempty"`
}

// TableInfo describes a table: its version in force and the one a
// rollback returns to.
type TableInfo struct {
	Tenant   string        `json:"tenant"` // "*" = global
	Name     string        `json:"name"`
	Current  TableVersion  `json:"current"`
	Previous *TableVersion `json:"previous,omitempty"`
}

// TableRow answers GET .../tables/{name}?key=K.
type TableRow struct {
	Key   string `json:"key"`
	Found bool   `json:"found"`
	Value string `json:"value,omitempty"`
}

// TableRows answers GET .../tables/{name}?from=K&limit=N: rows in key
// order, and the from of the next page ("" on the last).
type TableRows struct {
	Rows []TableRow `json:"rows"`
	Next string     `json:"next,omitempty"`
}

func tableVersion(v tables.Version) TableVersion {
	return TableVersion{Number: v.Number, Rows: v.Rows, Bytes: v.Bytes, Format: v.Format, PushedAt: v.PushedAt,
		RolledBackFrom: v.RolledBackFrom}
}

func tableInfo(i tables.Info) TableInfo {
	out := TableInfo{Tenant: policy.TenantName(i.Tenant), Name: i.Name, Current: tableVersion(i.Current)}
	if i.Previous != nil {
		p := tableVersion(*i.Previous)
		out.Previous = &p
	}
	return out
}

// tablesOf returns the store and the tenant of the request ({tenant}: "*"
// is global, else a configured tenant).
func (s *Server) tablesOf(r *http.Request) (*tables.Store, string, error) {
	st := s.eng.Tables()
	if st == nil {
		return nil, "", Errorf(http.StatusNotImplemented, "tables are not managed by this server")
	}
	t := policy.TenantOf(r.PathValue("tenant"))
	if err := s.checkTenant(t); err != nil {
		return nil, "", err
	}
	return st, t, nil
}

func (s *Server) listTables(r *http.Request) (any, error) {
	st, tenant, err := s.tablesOf(r)
	if err != nil {
		return nil, err
	}
	list, err := st.List(tenant)
	out := []TableInfo{}
	for _, i := range list {
		out = append(out, tableInfo(i))
	}
	return out, err
}

// getTable describes a table, or with ?key=K answers one row, or with
// ?from=K&limit=N (or ?limit=N) lists rows.
func (s *Server) getTable(r *http.Request) (any, error) {
	st, tenant, err := s.tablesOf(r)
	if err != nil {
		return nil, err
	}
	name, q := r.PathValue("name"), r.URL.Query()
	if q.Has("key") {
		val, found, err := st.Row(tenant, name, q.Get("key"))
		return TableRow{Key: q.Get("key"), Found: found, Value: string(val)}, tableError(err)
	}
	if q.Has("from") || q.Has("limit") {
		return s.tableRows(st, tenant, name, q.Get("from"), q.Get("limit"))
	}
	i, err := st.Get(tenant, name)
	if err != nil {
		return nil, tableError(err)
	}
	return tableInfo(i), nil
}

func (s *Server) tableRows(st *tables.Store, tenant, name, from, limitArg string) (any, error) {
	limit := 1000
	if limitArg != "" {
		n, err := strconv.Atoi(limitArg)
		if err != nil || n < 1 || n > 10000 {
			return nil, Errorf(http.StatusBadRequest, "limit=%q: want 1-10000", limitArg)
		}
		limit = n
	}
	page := TableRows{Rows: []TableRow{}}
	err := st.Rows(tenant, name, from, func(k string, v []byte) error {
		if len(page.Rows) == limit {
			page.Next = k
			return tables.ErrStop
		}
		page.Rows = append(page.Rows, TableRow{Key: k, Found: true, Value: string(v)})
		return nil
	})
	return page, tableError(err)
}

// pushTable answers PUT .../tables/{name}: the body is the table, CSV
// (text/csv) or JSON lines (application/jsonl); ?format= overrides the
// media type, ?key=COLUMN names the CSV key column.
func (s *Server) pushTable(r *http.Request) (any, error) {
	st, tenant, err := s.tablesOf(r)
	if err != nil {
		return nil, err
	}
	spec := tables.Spec{Format: r.URL.Query().Get("format"), KeyColumn: r.URL.Query().Get("key")}
	if spec.Format == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		spec.Format = tables.FormatCSV
		if mt == mediaJSONL || mt == mediaNDJSON {
			spec.Format = tables.FormatJSONL
		}
	}
	name := r.PathValue("name")
	v, err := st.Push(r.Context(), tenant, name, spec, r.Body)
	if err != nil {
		return nil, tableError(err)
	}
	s.tableChanged(tenant, name, v, fmt.Sprintf("push: %d rows, %d bytes", v.Rows, v.Bytes))
	return tableVersion(v), nil
}

func (s *Server) rollbackTable(r *http.Request) (any, error) {
	st, tenant, err := s.tablesOf(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	v, err := st.Rollback(tenant, name)
	if err != nil {
		return nil, tableError(err)
	}
	s.tableChanged(tenant, name, v, fmt.Sprintf("rollback to version %d", v.RolledBackFrom))
	return tableVersion(v), nil
}

func (s *Server) deleteTable(r *http.Request) (any, error) {
	st, tenant, err := s.tablesOf(r)
	if err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if err := st.Delete(tenant, name); err != nil {
		return nil, tableError(err)
	}
	s.tableChanged(tenant, name, tables.Version{}, "delete")
	return map[string]string{"deleted": name}, nil
}

// tableError maps the store's errors to HTTP statuses.
func tableError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tables.ErrTooLarge):
		return Errorf(http.StatusRequestEntityTooLarge, "push refused: %v", err)
	case errors.Is(err, tables.ErrInvalid):
		return Errorf(http.StatusUnprocessableEntity, "push refused: %v", err)
	case errors.Is(err, tables.ErrNoTable):
		return Errorf(http.StatusNotFound, "%v", err)
	case errors.Is(err, tables.ErrNoPrevious):
		return Errorf(http.StatusConflict, "rollback: %v", err)
	}
	return err
}

func (s *Server) tableChanged(tenant, name string, v tables.Version, how string) {
	s.Record(&events.Record{Type: events.PolicyChange, Tenant: tenant,
		Reason: fmt.Sprintf("table %s: %s: version %d", name, how, v.Number)})
	s.log.Info("table changed", "tenant", policy.TenantName(tenant), "table", name, "version", v.Number, "how", how)
}

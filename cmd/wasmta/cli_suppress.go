package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/suppress"
)

const suppressUsage = `usage: wasmta suppress list|add|remove|import|export --tenant T [flags] [ADDRESS... | FILE]

  list                 the tenant's suppression list, as a table
  add ADDRESS...       suppress addresses (--reason, --cause, --expires)
  remove ADDRESS...    take addresses off the list
  import FILE          add the entries of a CSV file ("-": standard input)
  export               write the list as CSV to standard output

CSV columns: recipient,reason,cause,added,expires (a header row is optional;
only recipient is required; reason defaults to manual; times RFC 3339).
`

// csvHeader is the export's header row, and what import skips.
var csvHeader = []string{"recipient", "reason", "cause", "added", "expires"}

// importBatch is the entries sent per request (the API's maximum).
const importBatch = 1000

func suppressCommand(args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(os.Stderr, suppressUsage)
		return errUsage
	}
	sub := args[0]
	fs := flag.NewFlagSet("suppress "+sub, flag.ExitOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), suppressUsage+"\n"); fs.PrintDefaults() }
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", "the tenant whose list to use (required)")
	reason := fs.String("reason", suppress.ReasonManual, "add: hard-bounce, complaint, manual or unsubscribe")
	cause := fs.String("cause", "", "add: a note kept with the entries")
	expires := fs.String("expires", "", "add: the entries end after this long (e.g. 30d); default never")
	pos := parseArgs(fs, args[1:])
	if *tenant == "" {
		fs.Usage()
		return errUsage
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	switch sub {
	case "list", "export":
		return listSuppressions(c, *tenant, sub == "export")
	case "add":
		var exp time.Time
		if *expires != "" {
			d, err := config.ParseDuration(*expires)
			if err != nil {
				return fmt.Errorf("suppress add: --expires: %w", err)
			}
			exp = time.Now().Add(d)
		}
		var es []suppress.Entry
		for _, a := range pos {
			es = append(es, suppress.Entry{Recipient: a, Reason: *reason, Cause: *cause, Expires: exp})
		}
		return sendSuppressions(c, *tenant, es)
	case "remove":
		var res admin.SuppressionResult
		return c.call("POST", "/v1/suppressions/remove", admin.SuppressionRequest{Tenant: *tenant, Recipients: pos}, &res,
			func() { fmt.Printf("removed %d of %d\n", res.Removed, len(pos)) })
	case "import":
		if len(pos) != 1 {
			return errors.New("suppress import: give one CSV file (\"-\" for standard input)")
		}
		return importSuppressions(c, *tenant, pos[0])
	}
	fmt.Fprint(os.Stderr, suppressUsage)
	return errUsage
}

// listSuppressions pages through the list, printing a table or CSV.
func listSuppressions(c *client, tenant string, asCSV bool) error {
	w := csv.NewWriter(os.Stdout)
	tw := table("RECIPIENT", "REASON", "ADDED", "EXPIRES", "CAUSE")
	if asCSV {
		w.Write(csvHeader)
	}
	after := ""
	for {
		data, err := c.do("GET", "/v1/suppressions?limit=10000&tenant="+url.QueryEscape(tenant)+"&after="+url.QueryEscape(after), nil)
		if err != nil {
			return err
		}
		var page admin.SuppressionPage
		if err := json.Unmarshal(data, &page); err != nil {
			return fmt.Errorf("admin API: %w", err)
		}
		for _, e := range page.Entries {
			if asCSV {
				w.Write([]string{e.Recipient, e.Reason, e.Cause, e.Added.Format(time.RFC3339), timeOrEmpty(e.Expires)})
			} else {
				row(tw, e.Recipient, e.Reason, e.Added.Format(time.RFC3339), orDash(timeOrEmpty(e.Expires)), orDash(e.Cause))
			}
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if asCSV {
		w.Flush()
		return w.Error()
	}
	return tw.Flush()
}

func timeOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// importSuppressions reads a CSV file and adds its entries in batches.
func importSuppressions(c *client, tenant, name string) error {
	var in io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("suppress import: %w", err)
		}
		defer f.Close()
		in = f
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	var batch []suppress.Entry
	total, added := 0, 0
	flush := func() error {
		var res admin.SuppressionResult
		data, err := c.do("POST", "/v1/suppressions", admin.SuppressionRequest{Tenant: tenant, Entries: batch})
		if err == nil {
			err = json.Unmarshal(data, &res)
		}
		added += res.Added
		batch = batch[:0]
		return err
	}
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("suppress import: %s: %w", name, err)
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "recipient") {
			continue
		}
		e, err := csvEntry(rec)
		if err != nil {
			return fmt.Errorf("suppress import: %s line %d: %w", name, line, err)
		}
		batch = append(batch, e)
		total++
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return err
		}
	}
	fmt.Printf("imported %d entries, %d new\n", total, added)
	return nil
}

// csvEntry reads recipient,reason,cause,added,expires.
func csvEntry(rec []string) (suppress.Entry, error) {
	get := func(i int) string {
		if i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	e := suppress.Entry{Recipient: get(0), Reason: get(1), Cause: get(2)}
	if e.Reason == "" {
		e.Reason = suppress.ReasonManual
	}
	for i, dst := range []*time.Time{&e.Added, &e.Expires} {
		if v := get(3 + i); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return e, fmt.Errorf("%s: %w", csvHeader[3+i], err)
			}
			*dst = t
		}
	}
	return e, nil
}

// sendSuppressions adds entries given on the command line.
func sendSuppressions(c *client, tenant string, es []suppress.Entry) error {
	if len(es) == 0 {
		return errors.New("suppress add: give the addresses to suppress")
	}
	var res admin.SuppressionResult
	return c.call("POST", "/v1/suppressions", admin.SuppressionRequest{Tenant: tenant, Entries: es}, &res,
		func() { fmt.Printf("added %d of %d (the others were on the list already)\n", res.Added, len(es)) })
}

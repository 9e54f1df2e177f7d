package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/wasmta/wasmta/mta/admin"
)

const tableUsage = `usage:
  wasmta table push --tenant T NAME FILE      push FILE (.csv with a header, or .jsonl) as T's table NAME ("*" = global)
  wasmta table list --tenant T                T's tables and their versions
  wasmta table get --tenant T NAME [KEY]      a table's versions, or the value of KEY
  wasmta table rollback --tenant T NAME       go back to the previous version
  wasmta table delete --tenant T NAME         delete the table

push flags: --format csv|jsonl (default: from the file name), --key COLUMN (the CSV key column; default the first).
Common flags: --admin URL, --config FILE, --token TOKEN (or $WASMTA_ADMIN_TOKEN), --json.
`

func tableCommand(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, tableUsage)
		return errUsage
	}
	cmds := map[string]func([]string) error{
		"push": tablePush, "list": tableList, "get": tableGet, "rollback": tableRollback, "delete": tableDelete,
	}
	if f := cmds[args[0]]; f != nil {
		return f(args[1:])
	}
	fmt.Fprint(os.Stderr, tableUsage)
	return fmt.Errorf("table: unknown subcommand %q", args[0])
}

func tablesPath(tenant string) string { return "/v1/tenants/" + url.PathEscape(tenant) + "/tables" }

func tablePath(tenant, name string) string { return tablesPath(tenant) + "/" + url.PathEscape(name) }

// tableArgs parses a subcommand's flags and wants --tenant and n..m
// positional arguments.
func tableArgs(fs *flag.FlagSet, args []string, tenant *string, minPos, maxPos int) ([]string, error) {
	pos := parseArgs(fs, args)
	if *tenant == "" || len(pos) < minPos || len(pos) > maxPos {
		fmt.Fprint(os.Stderr, tableUsage)
		return nil, fmt.Errorf("table %s: want --tenant and %d to %d arguments", fs.Name(), minPos, maxPos)
	}
	return pos, nil
}

func tablePush(args []string) error {
	fs := flag.NewFlagSet("push", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant whose table this is ("*" = global)`)
	format := fs.String("format", "", "csv or jsonl (default: from the file name, else csv)")
	key := fs.String("key", "", "CSV column holding the key (default: the first)")
	pos, err := tableArgs(fs, args, tenant, 2, 2)
	if err != nil {
		return err
	}
	if *format == "" {
		*format = "csv"
		if ext := strings.ToLower(filepath.Ext(pos[1])); ext == ".jsonl" || ext == ".ndjson" {
			*format = "jsonl"
		}
	}
	f, err := os.Open(pos[1])
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := cf.client()
	if err != nil {
		return err
	}
	c.api.HTTP.Timeout = 0 // a table of millions of rows takes minutes
	q := url.Values{"format": {*format}}
	if *key != "" {
		q.Set("key", *key)
	}
	var v admin.TableVersion
	body := admin.Stream{Body: f, ContentType: "application/octet-stream"}
	return c.call("PUT", tablePath(*tenant, pos[0])+"?"+q.Encode(), body, &v, func() {
		fmt.Printf("%s/%s: version %d in force (%d rows, %d bytes)\n", *tenant, pos[0], v.Number, v.Rows, v.Bytes)
	})
}

func tableList(args []string) error {
	fs := flag.NewFlagSet("list", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant ("*" = global tables)`)
	if _, err := tableArgs(fs, args, tenant, 0, 0); err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var list []admin.TableInfo
	return c.call("GET", tablesPath(*tenant), nil, &list, func() {
		w := table("NAME", "VERSION", "ROWS", "BYTES", "FORMAT", "PUSHED", "PREVIOUS")
		for _, t := range list {
			prev := "-"
			if t.Previous != nil {
				prev = fmt.Sprint(t.Previous.Number)
			}
			row(w, t.Name, t.Current.Number, t.Current.Rows, t.Current.Bytes, t.Current.Format, when(&t.Current.PushedAt), prev)
		}
		w.Flush()
		if len(list) == 0 {
			fmt.Println("(no tables)")
		}
	})
}

func tableGet(args []string) error {
	fs := flag.NewFlagSet("get", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant ("*" = global)`)
	pos, err := tableArgs(fs, args, tenant, 1, 2)
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	if len(pos) == 2 {
		var r admin.TableRow
		return c.call("GET", tablePath(*tenant, pos[0])+"?key="+url.QueryEscape(pos[1]), nil, &r, func() {
			if !r.Found {
				fmt.Printf("%s: not in the table\n", r.Key)
				return
			}
			fmt.Println(r.Value)
		})
	}
	var t admin.TableInfo
	return c.call("GET", tablePath(*tenant, pos[0]), nil, &t, func() {
		w := table("", "VERSION", "ROWS", "BYTES", "FORMAT", "PUSHED")
		row(w, "current", t.Current.Number, t.Current.Rows, t.Current.Bytes, t.Current.Format, when(&t.Current.PushedAt))
		if p := t.Previous; p != nil {
			row(w, "previous", p.Number, p.Rows, p.Bytes, p.Format, when(&p.PushedAt))
		}
		w.Flush()
	})
}

func tableRollback(args []string) error {
	return tableChange(args, "rollback", "POST", "/rollback")
}

func tableDelete(args []string) error {
	return tableChange(args, "delete", "DELETE", "")
}

func tableChange(args []string, name, method, suffix string) error {
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant ("*" = global)`)
	pos, err := tableArgs(fs, args, tenant, 1, 1)
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var v admin.TableVersion
	return c.call(method, tablePath(*tenant, pos[0])+suffix, nil, &v, func() {
		if method == "DELETE" {
			fmt.Printf("%s/%s: deleted\n", *tenant, pos[0])
			return
		}
		fmt.Printf("%s/%s: rolled back to version %d's rows; version %d in force\n", *tenant, pos[0], v.RolledBackFrom, v.Number)
	})
}

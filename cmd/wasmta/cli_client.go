package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"github.com/wasmta/wasmta/mta/admin"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// client talks to the admin API of a running wasmta. It finds the API
// from --admin, else from admin.listen of --config, else the default
// address; the token from --token, else WASMTA_ADMIN_TOKEN, else
// admin.token of --config.
type client struct {
	api  admin.Client
	json bool // print the API's JSON instead of a table
}

// clientFlags registers the flags every admin subcommand shares.
type clientFlags struct {
	admin, config, token *string
	json                 *bool
}

func addClientFlags(fs *flag.FlagSet) *clientFlags {
	return &clientFlags{
		admin:  fs.String("admin", "", "admin API URL (default: from --config admin.listen, else http://127.0.0.1:8025)"),
		config: fs.String("config", "", "configuration file to read admin.listen and admin.token from"),
		token:  fs.String("token", "", "bearer token (default: $WASMTA_ADMIN_TOKEN, else admin.token of --config)"),
		json:   fs.Bool("json", false, "print JSON (for scripts) instead of a table"),
	}
}

// parseArgs parses flags placed before or after the positional
// arguments, which it returns.
func parseArgs(fs *flag.FlagSet, args []string) []string {
	var pos []string
	for {
		fs.Parse(args)
		args = fs.Args()
		if len(args) == 0 {
			return pos
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (f *clientFlags) client() (*client, error) {
	c := &client{api: admin.Client{Base: strings.TrimRight(*f.admin, "/"), Token: *f.token,
		HTTP: &http.Client{Timeout: 2 * time.Minute}, UserAgent: userAgent()}, json: *f.json}
	if c.api.Token == "" {
		c.api.Token = os.Getenv("WASMTA_ADMIN_TOKEN")
	}
	if *f.config != "" && (c.api.Base == "" || c.api.Token == "") {
		cfg, err := loadConfig(*f.config)
		if err != nil {
			return nil, err
		}
		if c.api.Base == "" {
			if !cfg.Admin.Listen.IsValid() {
				return nil, fmt.Errorf("%s: admin.listen is off", *f.config)
			}
			c.api.Base = "http://" + dialable(cfg.Admin.Listen).String()
		}
		if c.api.Token == "" {
			c.api.Token = cfg.Admin.Token
		}
	}
	if c.api.Base == "" {
		c.api.Base = "http://127.0.0.1:8025"
	}
	return c, nil
}

// dialable turns a wildcard listen address into the loopback one.
func dialable(ap netip.AddrPort) netip.AddrPort {
	switch {
	case ap.Addr() == netip.IPv4Unspecified():
		return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ap.Port())
	case ap.Addr() == netip.IPv6Unspecified():
		return netip.AddrPortFrom(netip.IPv6Loopback(), ap.Port())
	}
	return ap
}

// do makes a request and returns the body of a 2xx answer (see
// admin.Client.Do).
func (c *client) do(method, path string, body any) ([]byte, error) {
	return c.api.Do(context.Background(), method, path, body)
}

// call makes a request, then prints the JSON answer (--json) or decodes
// it into out and calls show.
func (c *client) call(method, path string, body, out any, show func()) error {
	data, err := c.do(method, path, body)
	if err != nil {
		return err
	}
	if c.json {
		_, err := os.Stdout.Write(data)
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	show()
	return nil
}

// table writes aligned columns to standard output.
func table(header ...string) *tabwriter.Writer {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	return w
}

func row(w io.Writer, cells ...any) {
	s := make([]string, len(cells))
	for i, c := range cells {
		s[i] = fmt.Sprint(c)
	}
	fmt.Fprintln(w, strings.Join(s, "\t"))
}

// orDash shows an empty value as "-".
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// when shows a time relative to now.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	d := time.Until(*t).Round(time.Second)
	switch {
	case d > 0:
		return "in " + d.String()
	case d < 0:
		return (-d).String() + " ago"
	}
	return "now"
}

var errUsage = errors.New("usage")

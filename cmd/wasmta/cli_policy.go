package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/wasmta/wasmta/mta/admin"
)

const policyUsage = `usage:
  wasmta policy push --tenant T FILE.wasm     load a module for tenant T ("*" = the global module)
  wasmta policy list                          the module in force per tenant
  wasmta policy rollback --tenant T [--to N]  go back to the previous version, or to kept version N
  wasmta policy versions --tenant T           the kept versions (what --to may name)
  wasmta policy remove --tenant T             retire T's pushed module: the configured file, the
                                              global module or the built-in policy decides again
  wasmta policy test FILE.wasm CASES.toml     run a module against a case file, offline

Common flags: --admin URL, --config FILE, --token TOKEN (or $WASMTA_ADMIN_TOKEN), --json.
`

func policyCommand(args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, policyUsage)
		return errUsage
	}
	switch args[0] {
	case "push":
		return policyPush(args[1:])
	case "list":
		return policyList(args[1:])
	case "rollback":
		return policyRollback(args[1:])
	case "remove":
		return policyRemove(args[1:])
	case "versions":
		return policyVersions(args[1:])
	case "test":
		return policyTest(args[1:])
	}
	fmt.Fprint(os.Stderr, policyUsage)
	return fmt.Errorf("policy: unknown subcommand %q", args[0])
}

func tenantPath(t string) string { return "/v1/tenants/" + url.PathEscape(t) + "/policy" }

func policyPush(args []string) error {
	fs := flag.NewFlagSet("policy push", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant whose module this is ("*" = the global module)`)
	pos := parseArgs(fs, args)
	if len(pos) != 1 || *tenant == "" {
		fmt.Fprint(os.Stderr, policyUsage)
		return fmt.Errorf("policy push: want --tenant and one .wasm file")
	}
	wasm, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var v admin.PolicyVersion
	return c.call("PUT", tenantPath(*tenant), wasm, &v, func() {
		fmt.Printf("%s: version %d in force (sha256 %s, %d bytes)\n", v.Tenant, v.Version, short(v.SHA256), len(wasm))
	})
}

func policyRollback(args []string) error {
	fs := flag.NewFlagSet("policy rollback", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant to roll back ("*" = the global module)`)
	to := fs.Int("to", 0, "a kept version to go back to (wasmta policy versions); default the previous one")
	if pos := parseArgs(fs, args); len(pos) > 0 || *tenant == "" {
		fmt.Fprint(os.Stderr, policyUsage)
		return fmt.Errorf("policy rollback: want --tenant and nothing else")
	}
	if *to < 0 {
		return fmt.Errorf("policy rollback: --to %d: a version number is positive", *to)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var body any
	if *to > 0 {
		body = admin.RollbackRequest{To: *to}
	}
	var v admin.PolicyVersion
	return c.call("POST", tenantPath(*tenant)+"/rollback", body, &v, func() {
		fmt.Printf("%s: rolled back; version %d in force (sha256 %s)\n", v.Tenant, v.Version, short(v.SHA256))
	})
}

func policyList(args []string) error {
	fs := flag.NewFlagSet("policy list", flag.ExitOnError)
	cf := addClientFlags(fs)
	if pos := parseArgs(fs, args); len(pos) > 0 {
		return fmt.Errorf("policy list: unexpected %q", pos[0])
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var list []admin.PolicyInfo
	return c.call("GET", "/v1/policies", nil, &list, func() {
		w := table("TENANT", "VERSION", "SHA256", "SIZE", "LOADED", "PREVIOUS", "ORIGIN", "HOOKS")
		for _, p := range list {
			prev := "-"
			if p.Previous > 0 {
				prev = fmt.Sprint(p.Previous)
			}
			origin := p.Origin
			if p.Overrides != "" {
				origin += ", overrides " + p.Overrides
			}
			row(w, p.Tenant, p.Version, short(p.SHA256), p.Size, when(&p.LoadedAt), prev, origin, strings.Join(p.Hooks, ","))
		}
		w.Flush()
		if len(list) == 0 {
			fmt.Println("(no modules: every tenant uses the built-in policy)")
		}
	})
}

func short(sum string) string { return sum[:min(12, len(sum))] }

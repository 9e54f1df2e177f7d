package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wasmta/wasmta/mta/admin"
)

// policyRemove runs `wasmta policy remove --tenant T`.
func policyRemove(args []string) error {
	fs := flag.NewFlagSet("policy remove", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant whose pushed module goes ("*" = the global module)`)
	if pos := parseArgs(fs, args); len(pos) > 0 || *tenant == "" {
		fmt.Fprint(os.Stderr, policyUsage)
		return fmt.Errorf("policy remove: want --tenant and nothing else")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var res admin.PolicyRemoved
	return c.call("DELETE", tenantPath(*tenant), nil, &res, func() {
		fmt.Printf("%s: version %d removed; in force now: %s", res.Removed.Tenant, res.Removed.Version, res.InForce)
		if res.Version != nil {
			fmt.Printf(" (version %d)", res.Version.Version)
		}
		fmt.Println()
	})
}

// policyVersions runs `wasmta policy versions --tenant T`.
func policyVersions(args []string) error {
	fs := flag.NewFlagSet("policy versions", flag.ExitOnError)
	cf := addClientFlags(fs)
	tenant := fs.String("tenant", "", `tenant ("*" = the global module)`)
	if pos := parseArgs(fs, args); len(pos) > 0 || *tenant == "" {
		fmt.Fprint(os.Stderr, policyUsage)
		return fmt.Errorf("policy versions: want --tenant and nothing else")
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	var kept []admin.KeptPolicy
	return c.call("GET", tenantPath(*tenant)+"/versions", nil, &kept, func() {
		w := table("VERSION", "SHA256", "SIZE", "STATE")
		for _, k := range kept {
			state, sum := "kept", short(k.SHA256)
			switch {
			case k.Current:
				state = "in force"
			case k.Removed:
				state, sum = "removal", "-"
			}
			row(w, k.Version, sum, k.Size, state)
		}
		w.Flush()
	})
}

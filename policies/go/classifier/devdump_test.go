//go:build !wasip1

package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// TestDevelopmentDump writes, for every development row (the shared
// corpus's development part, the own set's development and provider-docs
// parts, and every row of public batches 1-23, all scored before), the
// label, both classifiers' categories and the deciding rule, one row a
// line, to the file WASMTA_DEV_DUMP names; two dumps' diff gives a rule
// change's gained and lost rows. The held-out parts that no rule was
// written from (shared corpus, own set) are written as "held" rows, apart.
// Without WASMTA_DEV_DUMP it does nothing.
func TestDevelopmentDump(t *testing.T) {
	out := os.Getenv("WASMTA_DEV_DUMP")
	if out == "" {
		return
	}
	type row struct {
		set string
		l   labelled
	}
	var rows []row
	for _, r := range readCorpus(t) {
		part := "dev"
		if heldOut(r.file) {
			part = "held"
		}
		rows = append(rows, row{"shared-" + part, labelled{file: r.file, text: r.text, code: r.code, want: sisimaiReasons[r.reason]}})
	}
	for line, f := range readTSV(t, ownPath) {
		if line == 0 || len(f) < 6 || f[4] == "" {
			continue
		}
		set := "own-dev"
		if f[5] == "held" {
			set = "own-held"
		}
		rows = append(rows, row{set, labelled{file: f[0] + "/" + f[1], text: f[3], code: atoi(f[2]), want: []string{f[4]}}})
	}
	paths := []string{publicPath, publicPath2, publicPath3, publicPath4, publicPath5, publicPath6, publicPath7, publicPath8,
		publicPath9, publicPath10, publicPath11, publicPath12, publicPath13, publicPath14, publicPath15, publicPath16,
		publicPath17, publicPath18, publicPath19, publicPath20, publicPath21, publicPath22, publicPath23, publicPath24}
	for i, p := range paths {
		for line, f := range readTSV(t, p) {
			if line == 0 || len(f) != 7 {
				continue
			}
			rows = append(rows, row{fmt.Sprintf("b%d", i+1), labelled{file: f[0] + "/" + f[1], text: f[4], code: atoi(f[3]), want: []string{f[5]}}})
		}
	}
	var b strings.Builder
	agree := map[string][2]int{}
	for _, r := range rows {
		in := wasmta.ClassifyInput{Code: r.l.code, Text: r.l.text}
		got, _, err := wasmta.CallClassify(&in)
		if err != nil {
			t.Fatal(err)
		}
		def, rule := policy.ClassifyRule(&policy.ClassifyInput{Code: r.l.code, Text: r.l.text})
		_ = context.Background
		ok := 0
		if contains(r.l.want, got.Category) {
			ok = 1
		}
		kind := "dev"
		if strings.HasSuffix(r.set, "held") {
			kind = "held"
		}
		a := agree[kind]
		a[0] += ok
		a[1]++
		agree[kind] = a
		fmt.Fprintf(&b, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%.160s\n", r.set, r.l.file, r.l.code, r.l.want[0], got.Category, def.Category, rule, ok, strings.ReplaceAll(r.l.text, "\t", " "))
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("development rows %d of %d agree; held-out parts (shared corpus, own set) %d of %d", agree["dev"][0], agree["dev"][1], agree["held"][0], agree["held"][1])
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

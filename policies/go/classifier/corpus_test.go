//go:build !wasip1

package main

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// corpusPath is the SMTP response corpus, relative to the repository root
// (a copy of the project's shared corpus, with its licence beside it).
const corpusPath = "testdata/corpora/smtp-responses-dev.tsv"

// sisimaiReasons is MAPPING.md as data: Sisimai reason → the wasmta
// category it means, then categories also accepted for it (see MAPPING.md
// for why each alternate is there).
var sisimaiReasons = map[string][]string{
	"userunknown":     {wasmta.InvalidRecipient},
	"filtered":        {wasmta.InvalidRecipient, wasmta.PolicyRelated},
	"mailboxfull":     {wasmta.QuotaIssues},
	"rejected":        {wasmta.PolicyRelated, wasmta.InvalidRecipient, wasmta.BadDomain, wasmta.RateLimited},
	"policyviolation": {wasmta.PolicyRelated},
	"blocked":         {wasmta.SpamBlock},
	"authfailure":     {wasmta.AuthenticationFailed},
	"spamdetected":    {wasmta.SpamContent},
	"requireptr":      {wasmta.PolicyRelated},
	"networkerror":    {wasmta.BadConnection, wasmta.BadDomain, wasmta.RoutingErrors},
	"hostunknown":     {wasmta.BadDomain},
	"expired":         {wasmta.MessageExpired, wasmta.BadConnection},
	"suspend":         {wasmta.InactiveMailbox},
	"norelaying":      {wasmta.RoutingErrors},
	"toomanyconn":     {wasmta.RateLimited},
	"systemerror":     {wasmta.TransientFailure},
	"securityerror":   {wasmta.AuthenticationFailed, wasmta.PolicyRelated},
	"notaccept":       {wasmta.BadDomain},
	"mailererror":     {wasmta.Other, wasmta.TransientFailure},
	"hasmoved":        {wasmta.InvalidRecipient},
	"syntaxerror":     {wasmta.ProtocolErrors},
	"onhold":          {wasmta.TransientFailure},
	"notcompliantrfc": {wasmta.PolicyRelated},
	"exceedlimit":     {wasmta.MessageTooLarge},
	"contenterror":    {wasmta.ProtocolErrors},
	"virusdetected":   {wasmta.Virus},
	"systemfull":      {wasmta.TransientFailure},
	"speeding":        {wasmta.RateLimited},
	"badreputation":   {wasmta.SpamBlock},
}

// acceptedDisagreements are the corpus rows (file name) where the
// classifier's category is none of those mapped from Sisimai's reason, and
// why we keep our answer. MAPPING.md lists the same rows.
var acceptedDisagreements = map[string]string{
	"lhost-amavis-03.eml":         "notcompliantrfc for '554 5.7.0 Reject ... - SPAM': the text says spam, so SpamContent",
	"lhost-amazonworkmail-02.eml": "filtered for a truncated '550 5.2.1 <filt=': only the enhanced code is left, 5.2.1 is a disabled mailbox",
	"lhost-dragonfly-13.eml":      "mailererror for 'Recipient address rejected: Mailer error': the reply rejects the recipient, InvalidRecipient",
	"lhost-exim-49.eml":           "blocked for a bare '550 Rejected': nothing says why, so Other",
	"lhost-postfix-77.eml":        "norelaying for Amazon SES 'Email address is not verified': a sender-identity policy, PolicyRelated",
	"lhost-sendmail-13.eml":       "systemerror for the text '77' (a sendmail exit code): nothing to classify, Other",
	"lhost-sendmail-29.eml":       "expired for an empty 421 reply: we see a 4xx without text, TransientFailure",
	"rfc3464-01.eml":              "mailboxfull for '550 5.1.1 ... User Unknown' (twice): the reply says unknown user, InvalidRecipient",
	"rfc3464-35.eml":              "networkerror for '550 user unknown': the reply says unknown user, InvalidRecipient",
	"rhost-spectrum-01.eml":       "toomanyconn for '550 5.1.0 <...> sender rejected': the reply rejects the sender, PolicyRelated",
}

type corpusRow struct {
	file, status, reason, text string
	code                       int
}

func TestCorpusAgreement(t *testing.T) {
	rows := readCorpus(t)
	var strict, accepted int
	var disagree []string
	seen := map[string]bool{}
	for _, r := range rows {
		want, ok := sisimaiReasons[r.reason]
		if !ok {
			t.Fatalf("%s: Sisimai reason %q has no mapping in MAPPING.md", r.file, r.reason)
		}
		got, _, err := wasmta.CallClassify(&wasmta.ClassifyInput{Stage: "rcpt", Code: r.code, Text: r.text})
		if err != nil {
			t.Fatalf("%s: classify result breaks the ABI: %v", r.file, err)
		}
		switch {
		case got.Category == want[0]:
			strict++
			accepted++
		case contains(want[1:], got.Category):
			accepted++
			if testing.Verbose() {
				t.Logf("alternate: %s %s -> %s: %.80s", r.file, r.reason, got.Category, r.text)
			}
		default:
			seen[r.file] = true
			if _, ok := acceptedDisagreements[r.file]; !ok {
				disagree = append(disagree, r.file+"\t"+r.reason+"\t"+got.Category+"\t"+r.text)
			}
		}
	}
	n := len(rows)
	t.Logf("corpus: %d rows; strict agreement %d (%.1f%%), with documented alternates %d (%.1f%%)",
		n, strict, pct(strict, n), accepted, pct(accepted, n))
	sort.Strings(disagree)
	for _, d := range disagree {
		t.Errorf("undocumented disagreement: %s", d)
	}
	for f := range acceptedDisagreements {
		if !seen[f] {
			t.Errorf("acceptedDisagreements lists %s, which now agrees: drop it here and in MAPPING.md", f)
		}
	}
	if pct(strict, n) < 80 || pct(accepted, n) < 90 {
		t.Errorf("agreement below the floor: strict %.1f%% (floor 80%%), accepted %.1f%% (floor 90%%)", pct(strict, n), pct(accepted, n))
	}
}

func readCorpus(t *testing.T) []corpusRow {
	t.Helper()
	path := filepath.Join(repoRoot(t), corpusPath)
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the SMTP response corpus is missing: %v (testdata/corpora/ in the repository)", err)
	}
	defer f.Close()
	var rows []corpusRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for line := 0; sc.Scan(); line++ {
		fields := strings.Split(sc.Text(), "\t")
		if line == 0 || len(fields) < 5 {
			continue // header
		}
		rows = append(rows, corpusRow{file: fields[0], status: fields[1], reason: fields[3], text: fields[4], code: replyCode(fields[2], fields[4])})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if len(rows) < 100 {
		t.Fatalf("%s: only %d rows", path, len(rows))
	}
	return rows
}

// replyCode is what the engine would pass as code: the reply code the
// bounce recorded, else a code that starts the text, else 0 (no SMTP
// reply: a connection or DNS failure).
func replyCode(field, text string) int {
	if n, err := strconv.Atoi(field); err == nil {
		return n
	}
	if len(text) >= 4 && (text[3] == ' ' || text[3] == '-') {
		if n, err := strconv.Atoi(text[:3]); err == nil && n >= 200 && n < 600 {
			return n
		}
	}
	return 0
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func pct(a, n int) float64 { return 100 * float64(a) / float64(n) }

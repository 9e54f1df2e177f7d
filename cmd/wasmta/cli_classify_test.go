package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/hostabi/policytest"
)

func runClassify(t *testing.T, c classifier, input string, tsv bool) []classifyLine {
	t.Helper()
	var out bytes.Buffer
	if err := c.run(context.Background(), strings.NewReader(input), &out, tsv); err != nil {
		t.Fatal(err)
	}
	var lines []classifyLine
	dec := json.NewDecoder(&out)
	for dec.More() {
		var l classifyLine
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	return lines
}

// TestClassifyBuiltin: plain lines are split as the engine splits a
// reply, and each gets the built-in category, action, outcome and rule.
func TestClassifyBuiltin(t *testing.T) {
	input := "550 5.1.1 <a@example.com>: User unknown\n\n" +
		"452-4.5.3 Too many recipients\r\n" +
		"dial tcp 192.0.2.1:25: connect: connection refused\n" +
		"554 5.7.1 <b@example.org>: Relay access denied\n"
	got := runClassify(t, classifier{stage: "rcpt"}, input, false)
	want := []classifyLine{
		{Line: 1, Code: 550, Enhanced: "5.1.1", Text: "<a@example.com>: User unknown", Category: "InvalidRecipient", Action: "default", Outcome: "bounce", Rule: "code 5.1.1", DecidedBy: "builtin"},
		{Line: 3, Code: 452, Enhanced: "4.5.3", Text: "Too many recipients", Category: "TooManyRecipients", Action: "retry", Outcome: "retry", Rule: "code 4.5.3", DecidedBy: "builtin"},
		{Line: 4, Code: 0, Text: "dial tcp 192.0.2.1:25: connect: connection refused", Category: "BadConnection", Action: "default", Outcome: "retry", Rule: `text "connection refused"`, DecidedBy: "builtin"},
		{Line: 5, Code: 554, Enhanced: "5.7.1", Text: "<b@example.org>: Relay access denied", Category: "RelayDenied", Action: "default", Outcome: "bounce", Rule: `text "relay access denied"`, DecidedBy: "builtin"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// TestClassifyStage: --stage reaches the classifier: a generic 5xx at the
// greeting is a host block, the same reply at RCPT is not; a spam verdict
// before DATA is a block, after it (or at a stage not given) the content.
func TestClassifyStage(t *testing.T) {
	for _, tc := range []struct{ stage, reply, want string }{
		{"banner", "550 Rejected", "SpamBlock"},
		{"rcpt", "550 Rejected", "PolicyRelated"},
		{"", "550 Rejected", "PolicyRelated"},
		{"rcpt", "554 5.7.1 Rejected as spam", "SpamBlock"},
		{"data", "554 5.7.1 Rejected as spam", "SpamContent"},
		{"", "554 5.7.1 Rejected as spam", "SpamContent"},
	} {
		got := runClassify(t, classifier{stage: tc.stage}, tc.reply+"\n", false)
		if len(got) != 1 || got[0].Category != tc.want {
			t.Errorf("stage %q, %q: %+v, want %s", tc.stage, tc.reply, got, tc.want)
		}
	}
}

// TestClassifyTSV: the three columns, a header skipped, an empty code
// for a failure without a reply, and a clear error for a bad row.
func TestClassifyTSV(t *testing.T) {
	got := runClassify(t, classifier{}, "reply_code\tenhanced_code\ttext\n550\t5.2.2\tmailbox full\n\t\tconnection timed out\n", true)
	if len(got) != 2 || got[0].Category != "QuotaIssues" || got[0].Enhanced != "5.2.2" || got[1].Category != "NoAnswerFromHost" || got[1].Code != 0 {
		t.Fatalf("got %+v", got)
	}
	var out bytes.Buffer
	err := classifier{}.run(context.Background(), strings.NewReader("550\tonly two\n"), &out, true)
	if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "3 tab-separated columns") {
		t.Fatalf("bad row: err %v", err)
	}
	err = classifier{}.run(context.Background(), strings.NewReader("abc\t\tx\n"), &out, true)
	if err == nil || !strings.Contains(err.Error(), `reply_code "abc"`) {
		t.Fatalf("bad code: err %v", err)
	}
}

// TestClassifyPolicy: --policy runs the reference classifier module (its
// traffic control shows), and a module without classify falls back to the
// built-in decision as the engine does.
func TestClassifyPolicy(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"classifier", "tenantrouting"} {
		wasm, err := policytest.BuildGo(context.Background(), filepath.Join("..", "..", "policies", "go", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".wasm"), wasm, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	input := "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume\n550 5.1.1 User unknown\n"
	mod, closeFn, err := loadClassifyModule(context.Background(), filepath.Join(dir, "classifier.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	got := runClassify(t, classifier{mod: mod}, input, false)
	closeFn()
	if len(got) != 2 || got[0].DecidedBy != "policy" || got[0].Category != "RateLimited" || got[0].Scope != "path" || !got[0].Suspend || got[0].DurationMS != 300_000 || got[0].Threshold != 20 {
		t.Fatalf("[TSS04] with the classifier module: %+v", got)
	}
	if got[1].Category != "InvalidRecipient" || got[1].Outcome != "bounce" {
		t.Fatalf("5.1.1 with the classifier module: %+v", got[1])
	}
	mod, closeFn, err = loadClassifyModule(context.Background(), filepath.Join(dir, "tenantrouting.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	got = runClassify(t, classifier{mod: mod}, input, false)
	if len(got) != 2 || got[1].DecidedBy != "builtin" || got[1].Rule != "code 5.1.1" || got[1].Error != "" {
		t.Fatalf("a module without classify: %+v", got)
	}
	if _, _, err := loadClassifyModule(context.Background(), filepath.Join(dir, "missing.wasm")); err == nil {
		t.Fatal("a missing module file gave no error")
	}
}

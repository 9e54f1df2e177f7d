package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestConsistencyAgainstTheDaemon checks the defects a new user met, each
// against a running wasmta.
func TestConsistencyAgainstTheDaemon(t *testing.T) {
	o := startOpsDaemon(t, "")
	if err := sendPlain(o.addr, []string{"a@held.test", "b@free.test"}, "Subject: held\r\n\r\nx\r\n"); err != nil {
		t.Fatal(err)
	}
	t.Run("unknown provider refused", func(t *testing.T) {
		out := o.cli(t, 1, "suspend", "--provider", "gmail", "--for", "1h", "--reason", "x")
		if !strings.Contains(out, `unknown provider "gmail": want one of apple, google, microsoft, yahoo`) {
			t.Errorf("suspend --provider gmail:\n%s", out)
		}
		o.cli(t, 0, "suspend", "--provider", "google", "--for", "1h", "--reason", "known")
	})
	t.Run("negative for", func(t *testing.T) {
		out := o.cli(t, 1, "suspend", "--domain", "x.test", "--for", "-5m", "--reason", "x")
		if !strings.Contains(out, "--for -5m0s is negative") {
			t.Errorf("suspend --for -5m:\n%s", out)
		}
		code, body := o.get(t, "POST", "/v1/actions", `{"kind":"suspend","select":{"domain":"x.test"},"for":"-5m","reason":"x"}`)
		if code != 400 || !strings.Contains(body, `\"for\" is negative`) {
			t.Errorf("POST /v1/actions for -5m: %d %s", code, body)
		}
	})
	t.Run("empty lists are []", func(t *testing.T) {
		for _, p := range []string{"/v1/policies", "/v1/webhooks", "/v1/queues?by=site&domain=none.test"} {
			if _, body := o.get(t, "GET", p, ""); strings.Contains(body, "null") {
				t.Errorf("GET %s has a null: %s", p, body)
			}
		}
		_, body := o.get(t, "POST", "/v1/resume", `{"select":{"site":"nothing.test"}}`)
		if !strings.Contains(body, `"cancelled": []`) {
			t.Errorf("resume of nothing: %s", body)
		}
		for _, args := range [][]string{{"policy", "list"}, {"queue", "summary", "--domain", "none.test"}} {
			if out := o.cli(t, 0, append(args, "--json")...); strings.Contains(out, "null") {
				t.Errorf("%v --json has a null: %s", args, out)
			}
		}
	})
	t.Run("global tenant is *", func(t *testing.T) {
		out := o.cli(t, 1, "policy", "rollback", "--tenant", "*")
		if strings.Contains(out, `""`) || !strings.Contains(out, `"*"`) {
			t.Errorf("policy rollback --tenant '*' names the global tenant otherwise than \"*\":\n%s", out)
		}
	})
	t.Run("json where help says so", func(t *testing.T) {
		for _, args := range [][]string{{"actions", "list"}, {"policy", "list"}, {"webhook", "status"}, {"queue", "summary"}} {
			var v any
			if out := o.cli(t, 0, append(args, "--json")...); json.Unmarshal([]byte(out), &v) != nil {
				t.Errorf("%v --json is not JSON: %s", args, out)
			}
		}
	})
	t.Run("http api template error names the recipient", func(t *testing.T) {
		code, out := o.inject(t, `{"sender":"s@acme.test","recipients":[{"address":"ann@x.test","substitutions":{"a":"1"}}],`+
			`"content":{"from":"s@acme.test","subject":"{{.first_name}}","text":"t"}}`)
		b, _ := json.Marshal(out)
		if code != 400 || !strings.Contains(string(b), "recipient ann@x.test") {
			t.Errorf("template error: %d %s", code, b)
		}
	})
	t.Run("http api decoding errors have fields", func(t *testing.T) {
		for _, body := range []string{`{"sender":`, `{"sendr":"x"}`, `{"recipients":"x"}`} {
			code, out := o.inject(t, body)
			if f, _ := out["fields"].([]any); code != 400 || len(f) != 1 {
				t.Errorf("%s: %d %v", body, code, out)
			}
		}
	})
	t.Run("held mail shows as held", func(t *testing.T) {
		id := firstReceptionID(t, o.dir+"/data/records.jsonl")
		out := o.cli(t, 0, "suspend", "--domain", "held.test", "--for", "2h", "--reason", "hold")
		aid := strings.Fields(out)[0]
		held := regexp.MustCompile(`a@held\.test\s+held by ` + regexp.QuoteMeta(aid) + `\s+\d+\s+in 1h59m`)
		eventually(t, "queue inspect never showed a@held.test held", func() string {
			if out := o.cli(t, 0, "queue", "inspect", id); !held.MatchString(out) {
				return out
			}
			return ""
		})
		if out := o.cli(t, 0, "queue", "inspect", id); strings.Contains(out, "b@free.test  held") {
			t.Errorf("b@free.test is not held:\n%s", out)
		}
		o.cli(t, 0, "resume", aid)
		if out := o.cli(t, 0, "queue", "inspect", id); held.MatchString(out) || strings.Contains(out, "held by") {
			t.Errorf("still held after resume:\n%s", out)
		}
	})
	t.Run("version in user agent and metrics", func(t *testing.T) {
		_, metrics := o.get(t, "GET", "/metrics", "")
		if want := `wasmta_build_info{goversion="go`; !strings.Contains(metrics, want) ||
			!strings.Contains(metrics, `version="`+testVersion+`"} 1`) {
			t.Errorf("no wasmta_build_info with version %s", testVersion)
		}
		eventually(t, "no webhook POST with User-Agent wasmta/"+testVersion, func() string {
			if _, ok := o.agents.Load("wasmta/" + testVersion); !ok {
				return "not yet"
			}
			return ""
		})
	})
}

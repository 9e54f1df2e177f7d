package policytest

import (
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, want string
	}{
		{"not toml", `[[case]`, "policytest:"},
		{"no case", `# nothing`, "no [[case]]"},
		{"unknown top-level key", "cases = 1\n[[case]]\nhook = \"route\"", `unknown key "cases"`},
		{"unknown case key", "[[case]]\nhook = \"route\"\nexpected = { pool = \"x\" }", `unknown key "case.expected"`},
		{"unknown hook", "[[case]]\nhook = \"routing\"", `hook "routing": want one of`},
		{"input of another hook", "[[case]]\nhook = \"route\"\ninput = { site = \"x\" }", `route has no input "site"`},
		{"result of another hook", "[[case]]\nhook = \"route\"\nexpect = { pool = \"x\" }", `route has no result "pool"`},
		{"wrong input type", "[[case]]\nhook = \"classify\"\ninput = { code = \"550\" }", "input code: want a non-negative integer"},
		{"negative int", "[[case]]\nhook = \"classify\"\ninput = { code = -1 }", "input code"},
		{"list of ints", "[[case]]\nhook = \"shape\"\ninput = { mx_hosts = [1, 2] }", "want a list of strings"},
		{"meta on route", "[[case]]\nhook = \"route\"\ninput = { meta = { a = \"b\" } }", `route has no input "meta.a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestParseFlattensTables(t *testing.T) {
	cases, err := Parse(strings.NewReader(`
[[case]]
hook = "select_pool"
input = { tenant = "acme", meta = { a = "1" }, "meta.b" = "2" }
[case.expect]
pool = "p"
`))
	if err != nil {
		t.Fatal(err)
	}
	c := cases[0]
	if c.Name != "case 1" || c.Input["meta.a"] != "1" || c.Input["meta.b"] != "2" || c.Expect["pool"] != "p" {
		t.Fatalf("parsed %+v", c)
	}
}

// FuzzParse: any input is parsed or refused with an error, never a panic,
// and a parsed case only holds keys its hook has.
func FuzzParse(f *testing.F) {
	f.Add("[[case]]\nhook = \"route\"\ninput = { domain = \"x\" }\nexpect = { host = [] }")
	f.Add("[[case]]\nhook = \"classify\"\ninput = { code = 421, text = \"[TSS04]\" }\nexpect = { suspend = true, fault = \"x\" }")
	f.Add("[[case]]\nhook = \"on_message\"\ninput = { recipients = [\"a\"], meta = { x = { y = \"z\" } } }")
	f.Fuzz(func(t *testing.T, s string) {
		cases, err := Parse(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, c := range cases {
			spec := hookSpecs[c.Hook]
			for k := range c.Input {
				if _, ok := spec.inputKind(k); !ok {
					t.Fatalf("case %q kept input %q", c.Name, k)
				}
			}
		}
	})
}

// TestSDKCategoriesMatchHost keeps the guest SDK's category list equal to
// the host's: the SDK cannot import mta/policy.
func TestSDKCategoriesMatchHost(t *testing.T) {
	if strings.Join(wasmta.Categories, ",") != strings.Join(policy.Categories, ",") {
		t.Fatalf("sdk categories %v\nhost categories %v", wasmta.Categories, policy.Categories)
	}
}

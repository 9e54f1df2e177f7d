package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/e2e/conformance"
)

// polSubject is one policy the policy scenario loads as the global module.
type polSubject struct {
	name string // row name
	diff string // row name of its difference from the built-in policy
	wasm string // the module; "" for the built-in policy
}

// langCase is the row name of the conformance policy in lang.
func langCase(lang string) string { return "conformance policy in " + langName(lang) }

func langName(lang string) string {
	switch lang {
	case "go":
		return "Go"
	case "c":
		return "C"
	case "wat":
		return "WAT"
	case "assemblyscript":
		return "AssemblyScript"
	case "rust":
		return "Rust"
	}
	return lang
}

// conformanceSubjects builds the conformance policy (testdata/conformance:
// the same decisions in every language) in each language whose toolchain
// is installed, so the scenario compares languages on one policy: per
// message it calls on_rcpt and select_pool (route and shape answers are
// cached; the other hooks are not declared). A language that cannot be
// built is noted and left out.
func (e *Env) conformanceSubjects(ctx context.Context, sc *result.Scenario) []polSubject {
	dir := filepath.Join(e.Root, "policies")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		sc.Notes = append(sc.Notes, fmt.Sprintf("conformance policies not built: %v", err))
		return nil
	}
	var out []polSubject
	for _, lang := range conformance.Languages {
		wasm, err := conformance.Build(ctx, e.Repo, lang, conformance.PolicyConformance)
		if err == nil {
			p := filepath.Join(dir, "conformance-"+lang+".wasm")
			if err = os.WriteFile(p, wasm, 0o644); err == nil {
				name := langCase(lang)
				out = append(out, polSubject{name: name, diff: "difference (" + name + " − built-in)", wasm: p})
				continue
			}
		}
		sc.Notes = append(sc.Notes, fmt.Sprintf("%s: not measured: %v", langCase(lang), err))
	}
	return out
}

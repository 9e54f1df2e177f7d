// Command wasmta-bench runs wasmta's benchmark suite (issue 6) and compares
// results:
//
//	wasmta-bench run [--quick] [--scenarios relay,latency,...] [--out DIR]
//	wasmta-bench report RESULTS.json [--out DIR]
//	wasmta-bench compare [--threshold 10] OLD.json NEW.json
//	wasmta-bench ab [--pairs 5] [--count 6000] BINARY BINARY...
//
// `run` measures wasmta, a private Postfix and the load tools' own limit on
// this machine and writes the JSON results, docs/benchmarks.md and the
// charts; scripts/bench-e2e.sh (make bench, make bench-quick) builds what
// it needs and calls it. `compare` exits 1 when a figure regressed by more
// than the threshold. `ab` runs the relay's reference load through two or
// more wasmta builds in interleaved rounds and prints each run's CPU per
// 1000 messages, the figure a performance change is measured by.
package main

import (
	"fmt"
	"os"
)

const usage = `usage: wasmta-bench COMMAND [flags]

commands:
  run       run the benchmark scenarios and write results, report and charts
  report    rewrite the report and charts from a results JSON file
  compare   compare two results files and flag regressions (exit 1 if any)
  ab        relay through two or more wasmta builds in interleaved rounds (CPU per message)

Run "wasmta-bench COMMAND -h" for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	case "compare":
		var regressions int
		regressions, err = compareCmd(os.Args[2:])
		if err == nil && regressions > 0 {
			os.Exit(1)
		}
	case "ab":
		err = abCmd(os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "wasmta-bench: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmta-bench:", err)
		os.Exit(1)
	}
}

package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wasmta/wasmta/mta/feedback"
	"github.com/wasmta/wasmta/mta/policy"
)

// maxReportFile bounds what `feedback parse` reads of one file: reports
// are small, and the inbound listener refuses larger messages anyway.
const maxReportFile = 64 << 20

func feedbackCommand(args []string) error {
	if len(args) == 0 || args[0] != "parse" {
		fmt.Fprint(os.Stderr, "usage: wasmta feedback parse FILE...\n")
		return errUsage
	}
	fs := flag.NewFlagSet("feedback parse", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta feedback parse FILE...\n\n"+
			"Parses bounces, complaint reports (ARF) and auto-replies offline, as the inbound listener would,\n"+
			"and prints one JSON object per reported recipient: file, kind (bounce, feedback, autoreply,\n"+
			"delivered, unknown), recipient, status, diagnostic, category (the built-in classifier's),\n"+
			"feedback_type. \"-\" reads standard input; an mbox file is read message by message.\n\n")
		fs.PrintDefaults()
	}
	files := parseArgs(fs, args[1:])
	if len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, f := range files {
		raw, err := readReport(f)
		if err != nil {
			return err
		}
		for _, m := range feedback.SplitMbox(raw) { // an mbox file: each of its messages
			for _, l := range feedback.Parse(m).Lines(f, policy.ClassifyResponse) {
				if err := enc.Encode(l); err != nil {
					return fmt.Errorf("feedback parse: %w", err)
				}
			}
		}
	}
	return nil
}

func readReport(name string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("feedback parse: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxReportFile))
	if err != nil {
		return nil, fmt.Errorf("feedback parse: %s: %w", name, err)
	}
	return b, nil
}

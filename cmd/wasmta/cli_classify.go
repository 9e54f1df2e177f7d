package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/policy"
)

// classifyLine is one line of `wasmta classify` output.
type classifyLine struct {
	Line           int     `json:"line"`
	Code           int     `json:"code"`
	Enhanced       string  `json:"enhanced,omitempty"`
	Text           string  `json:"text"`
	Category       string  `json:"category"`
	Action         string  `json:"action"`
	Outcome        string  `json:"outcome"` // what the engine does with the message: retry or bounce
	Rule           string  `json:"rule"`
	DecidedBy      string  `json:"decided_by"`
	Scope          string  `json:"scope,omitempty"`
	Suspend        bool    `json:"suspend,omitempty"`
	RateFactor     float64 `json:"rate_factor,omitempty"`
	MaxConnections int     `json:"max_connections,omitempty"`
	DurationMS     int64   `json:"duration_ms,omitempty"`
	Threshold      int     `json:"threshold,omitempty"`
	WindowMS       int64   `json:"window_ms,omitempty"`
	Error          string  `json:"error,omitempty"`
}

const classifyUsage = `usage: wasmta classify [--tsv] [--policy FILE.wasm] [--stage STAGE] < replies

Classifies SMTP replies offline, as the engine would after a failed delivery:
one reply per line on standard input ("550 5.1.1 <a@example.com>: User unknown";
a line without a reply code is a failure without a reply, e.g. a connection
error), or with --tsv the columns reply_code, enhanced_code, text (a first
line starting with "reply_code" is a header). Prints one JSON object per
reply: category, action, outcome (what the engine does with the message:
retry or bounce), the rule that decided (built-in classifier) or "policy"
(a module's decision), and any traffic control.

`

func classifyCommand(args []string) error {
	fs := flag.NewFlagSet("classify", flag.ExitOnError)
	tsv := fs.Bool("tsv", false, "read reply_code, enhanced_code, text columns separated by tabs")
	wasmFile := fs.String("policy", "", "classify with this policy module's classify hook (falls back to the built-in classifier as the engine does)")
	stage := fs.String("stage", "", "the SMTP stage the replies answered (connect, banner, ehlo, starttls, mail, rcpt, data; empty: unknown); a generic 5xx at banner or ehlo, and a spam verdict in words before data, are SpamBlock")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), classifyUsage)
		fs.PrintDefaults()
	}
	fs.Parse(args)
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	ctx := context.Background()
	c := classifier{stage: *stage}
	if *wasmFile != "" {
		mod, closeFn, err := loadClassifyModule(ctx, *wasmFile)
		if err != nil {
			return err
		}
		defer closeFn()
		c.mod = mod
	}
	return c.run(ctx, os.Stdin, os.Stdout, *tsv)
}

// loadClassifyModule loads a policy module into a host of its own.
func loadClassifyModule(ctx context.Context, file string) (policy.Policy, func(), error) {
	wasm, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("classify: %w", err)
	}
	// The daemon's call deadline (policy.call_timeout), not the library's
	// 5 ms: on a loaded machine the load-time dry run of a Go module
	// missed the tighter one, and the tool answered for no module.
	host, err := hostabi.New(ctx, hostabi.Config{CallTimeout: config.Default().Policy.CallTimeout})
	if err != nil {
		return nil, nil, fmt.Errorf("classify: %w", err)
	}
	mod, err := host.Load(ctx, "", wasm)
	if err != nil {
		host.Close(ctx)
		return nil, nil, fmt.Errorf("classify: %s: %w", file, err)
	}
	return mod, func() { mod.Close(); host.Close(ctx) }, nil
}

type classifier struct {
	stage string
	mod   policy.Policy // nil: the built-in classifier
}

// run classifies every reply of in and writes one JSON line per reply.
func (c classifier) run(ctx context.Context, in io.Reader, out io.Writer, tsv bool) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || (tsv && n == 1 && strings.HasPrefix(line, "reply_code")) {
			continue
		}
		rin, err := parseReplyLine(line, tsv)
		if err != nil {
			return fmt.Errorf("classify: line %d: %w", n, err)
		}
		rin.Stage = c.stage
		if err := enc.Encode(c.classify(ctx, n, &rin)); err != nil {
			return fmt.Errorf("classify: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("classify: reading standard input: %w", err)
	}
	return nil
}

// classify decides one reply as the engine's guard would: the module's
// decision, or the built-in one when it has none or faults.
func (c classifier) classify(ctx context.Context, n int, in *policy.ClassifyInput) classifyLine {
	builtin, rule := policy.ClassifyRule(in)
	l := classifyLine{Line: n, Code: in.Code, Enhanced: in.Enhanced, Text: in.Text, DecidedBy: "builtin", Rule: rule}
	res := builtin
	if c.mod != nil {
		got, err := c.mod.Classify(ctx, in)
		switch {
		case err == nil && policy.ValidCategory(got.Category):
			res, l.DecidedBy, l.Rule = got, "policy", "policy"
		case err == nil:
			res, l.DecidedBy, l.Rule = got, "policy", "policy (no category: built-in category)"
			res.Category = builtin.Category
		case !errors.Is(err, policy.ErrNotImplemented):
			l.Error = err.Error() // a fault: the engine uses the built-in decision
		}
	}
	l.Category, l.Action = res.Category, actionName(res.Action)
	l.Outcome = "retry"
	if res.Action == policy.ActionBounce || (res.Action == policy.ActionDefault && in.Code >= 500) {
		l.Outcome = "bounce" // the engine's rule (mta/engine, rcptResult)
	}
	if res.Scope != policy.ScopeNone {
		l.Scope = scopeName(res.Scope)
		l.Suspend, l.RateFactor, l.MaxConnections = res.Suspend, res.RateFactor, res.MaxConns
		l.DurationMS, l.Threshold, l.WindowMS = res.Duration.Milliseconds(), res.Threshold, res.Window.Milliseconds()
	}
	return l
}

func actionName(a policy.Action) string {
	switch a {
	case policy.ActionRetry:
		return "retry"
	case policy.ActionBounce:
		return "bounce"
	}
	return "default"
}

func scopeName(s policy.Scope) string {
	return map[policy.Scope]string{policy.ScopePath: "path", policy.ScopeSite: "site",
		policy.ScopeSource: "source", policy.ScopeTenant: "tenant"}[s]
}

// parseReplyLine reads one input line: "CODE[ -][ENHANCED ]TEXT" as the
// engine splits a reply (a line without a code is a failure without a
// reply), or with tsv the columns reply_code, enhanced_code, text.
func parseReplyLine(line string, tsv bool) (policy.ClassifyInput, error) {
	if tsv {
		f := strings.SplitN(line, "\t", 3)
		if len(f) < 3 {
			return policy.ClassifyInput{}, fmt.Errorf("want 3 tab-separated columns (reply_code, enhanced_code, text), got %d", len(f))
		}
		code := 0
		if s := strings.TrimSpace(f[0]); s != "" {
			var err error
			if code, err = strconv.Atoi(s); err != nil || code < 200 || code > 599 {
				return policy.ClassifyInput{}, fmt.Errorf("reply_code %q is not a reply code", f[0])
			}
		}
		return policy.ClassifyInput{Code: code, Enhanced: strings.TrimSpace(f[1]), Text: f[2]}, nil
	}
	if len(line) >= 3 && (len(line) == 3 || line[3] == ' ' || line[3] == '-') {
		if code, err := strconv.Atoi(line[:3]); err == nil && code >= 200 && code <= 599 {
			text := ""
			if len(line) > 4 {
				text = line[4:]
			}
			enh, rest := leadingEnhanced(text, code)
			return policy.ClassifyInput{Code: code, Enhanced: enh, Text: rest}, nil
		}
	}
	return policy.ClassifyInput{Text: line}, nil
}

// leadingEnhanced takes a leading "C.S.D " whose class C matches the reply
// code off text, as the engine's reply reader does.
func leadingEnhanced(text string, code int) (enh, rest string) {
	word, after, _ := strings.Cut(text, " ")
	parts := strings.Split(word, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(code/100) {
		return "", text
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return "", text
		}
	}
	return word, after
}

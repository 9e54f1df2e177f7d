package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/wasmta/wasmta/bench/internal/postfix"
	"github.com/wasmta/wasmta/bench/internal/proc"
	"github.com/wasmta/wasmta/bench/internal/report"
	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/bench/internal/scenario"
)

var allScenarios = []string{"relay", "signed", "suppress", "latency", "policy", "backlog", "spool", "providers", "blind", "curves"}

type runFlags struct {
	quick     bool
	repeats   int
	scenarios string
	wasmta    string
	policies  string
	out       string
	repo      string
	tmp       string
	backlog   int
	keep      bool
	profile   string
	seed      uint64
	base      string
	postfix   bool
}

func parseRun(args []string) (*runFlags, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	f := &runFlags{}
	fs.BoolVar(&f.quick, "quick", false, "the reduced form (make bench-quick): fewer cases, smaller loads, one run each")
	fs.IntVar(&f.repeats, "repeats", 0, "runs per figure (default 3, or 1 with --quick)")
	fs.StringVar(&f.scenarios, "scenarios", strings.Join(allScenarios, ","), "scenarios to run, comma-separated")
	fs.StringVar(&f.wasmta, "wasmta", "bin/wasmta", "the wasmta binary to measure")
	fs.StringVar(&f.policies, "policies", "bin/policies", "directory holding default.wasm and shaping.wasm")
	fs.StringVar(&f.out, "out", "docs", "directory for benchmarks.md and bench/ (charts, results JSON)")
	fs.StringVar(&f.repo, "repo", ".", "repository root (for go test -bench and the commit)")
	fs.StringVar(&f.tmp, "tmp", os.TempDir(), "parent of the run's temporary directory")
	fs.IntVar(&f.backlog, "backlog", 0, "backlog size (default: the largest that fits the time budget, up to 1,000,000)")
	fs.StringVar(&f.profile, "cpuprofile", "", "directory for a CPU profile of every wasmta run (wasmta serve --cpuprofile)")
	fs.Uint64Var(&f.seed, "seed", 0, "seed of the blind provider mix's random limits (default: a random one, printed)")
	fs.StringVar(&f.base, "base", "", "results file whose scenarios this run's are added to (the page then shows both, each scenario with its own commit and date)")
	fs.BoolVar(&f.keep, "keep", false, "keep the temporary directory (logs, spools) for inspection")
	fs.BoolVar(&f.postfix, "postfix", true, "run Postfix beside wasmta where a scenario compares them (false: wasmta's half only, for a quick look; no goal can be read from such a run)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if f.repeats == 0 {
		f.repeats = 3
		if f.quick {
			f.repeats = 1
		}
	}
	return f, nil
}

func runCmd(args []string) error {
	f, err := parseRun(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	root, err := os.MkdirTemp(f.tmp, "wasmta-bench-")
	if err != nil {
		return err
	}
	// Whatever happens, nothing started here outlives the run.
	defer func() {
		postfix.StopAll()
		proc.StopAll(5 * time.Second)
		if !f.keep {
			os.RemoveAll(root)
		} else {
			log.Info("kept temporary directory", "dir", root)
		}
	}()
	if err := os.Chmod(root, 0o755); err != nil {
		return err
	}
	env, err := newEnv(ctx, f, root, log)
	if err != nil {
		return err
	}
	res := newResults(ctx, f)
	env.Commit = res.Commit
	jsonPath := filepath.Join(f.out, "bench", fmt.Sprintf("results-%s-%s.json", res.Date.Format("20060102-1504"), short(res.Commit)))
	if f.base != "" {
		if res, err = onBase(f.base, res); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(jsonPath), 0o755); err != nil {
		return err
	}
	t0 := time.Now()
	if err := runAll(ctx, env, f.scenarios, res, jsonPath); err != nil {
		return err
	}
	log.Info("results", "json", jsonPath, "took", time.Since(t0).Round(time.Second))
	return report.Write(res, f.out, filepath.Base(jsonPath))
}

// runAll runs the named scenarios in order, writing the results after
// each one so that an interrupted run keeps what it measured.
func runAll(ctx context.Context, env *scenario.Env, names string, res *result.File, jsonPath string) error {
	t0, d0 := time.Now(), res.Duration // d0: a base file's own duration, kept
	for _, name := range strings.Split(names, ",") {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; partial results in %s", jsonPath)
		}
		sc, err := runScenario(ctx, env, name)
		if err != nil {
			return err
		}
		sc.Commit, sc.Date = env.Commit, time.Now().UTC()
		res.Scenarios = append(res.Scenarios, sc)
		if d0 == 0 {
			res.Duration = time.Since(t0).Seconds()
		}
		if err := res.Write(jsonPath); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted; partial results in %s", jsonPath)
	}
	return nil
}

func runScenario(ctx context.Context, env *scenario.Env, name string) (*result.Scenario, error) {
	switch strings.TrimSpace(name) {
	case "relay":
		return env.Relay(ctx), nil
	case "signed":
		return env.Signed(ctx), nil
	case "suppress":
		return env.Suppress(ctx), nil
	case "latency":
		return env.Latency(ctx), nil
	case "policy":
		return env.Policy(ctx), nil
	case "backlog":
		return env.Backlog(ctx), nil
	case "spool":
		return env.Spool(ctx), nil
	case "providers":
		return env.Providers(ctx), nil
	case "blind":
		return env.Blind(ctx), nil
	case "curves":
		return env.Curves(ctx), nil
	}
	return nil, fmt.Errorf("unknown scenario %q (have %s)", name, strings.Join(allScenarios, ", "))
}

func newEnv(ctx context.Context, f *runFlags, root string, log *slog.Logger) (*scenario.Env, error) {
	bin, err := filepath.Abs(f.wasmta)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("the wasmta binary: %w (build it: go build -o bin/wasmta ./cmd/wasmta)", err)
	}
	repo, _ := filepath.Abs(f.repo)
	pols := map[string]string{}
	for _, name := range []string{"default", "shaping", "classifier"} {
		p, _ := filepath.Abs(filepath.Join(f.policies, name+".wasm"))
		if _, err := os.Stat(p); err == nil {
			pols[name] = p
		}
	}
	prof := ""
	if f.profile != "" {
		if prof, err = filepath.Abs(f.profile); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(prof, 0o755); err != nil {
			return nil, err
		}
	}
	_, errSrc := exec.LookPath("smtp-source")
	_, errPf := exec.LookPath("postfix")
	if errSrc != nil {
		return nil, fmt.Errorf("smtp-source is missing (Debian package postfix): %w", errSrc)
	}
	return &scenario.Env{Quick: f.quick, Repeats: f.repeats, Root: root, Repo: repo, Wasmta: bin,
		Policies: pols, Postfix: f.postfix && errPf == nil && postfix.Version(ctx) != "", Log: log, BacklogN: f.backlog, Seed: f.seed,
		MaxRate: map[string]float64{}, AcceptRate: map[string]float64{}, ProfileDir: prof}, nil
}

// onBase returns the base results file with this run recorded as added
// to it: the base's scenarios keep their commit and date, and the page's
// header stays the base's.
func onBase(path string, cur *result.File) (*result.File, error) {
	base, err := result.Read(path)
	if err != nil {
		return nil, err
	}
	for _, s := range base.Scenarios {
		if s.Commit == "" {
			s.Commit, s.Date = base.Commit, base.Date
		}
	}
	dirty := ""
	if cur.Dirty {
		dirty = " (uncommitted changes)"
	}
	base.Added = append(base.Added, fmt.Sprintf("%s, commit `%s`%s: `%s`",
		cur.Date.Format("2006-01-02 15:04 MST"), cur.Commit, dirty, cur.Command))
	return base, nil
}

func newResults(ctx context.Context, f *runFlags) *result.File {
	commit, dirty := gitState(ctx, f.repo)
	return &result.File{Schema: result.SchemaVersion, Commit: commit, Dirty: dirty, Date: time.Now().UTC(),
		Quick: f.quick, Repeats: f.repeats, Command: "wasmta-bench run " + strings.Join(os.Args[2:], " "),
		Machine: proc.ReadMachine(), Postfix: postfix.Version(ctx)}
}

// gitState returns the commit checked out and whether the tree differs
// from it.
func gitState(ctx context.Context, repo string) (string, bool) {
	out, err := proc.Run(ctx, "git", "-C", repo, "rev-parse", "HEAD")
	if err != nil {
		return "unknown", true
	}
	st, err := proc.Run(ctx, "git", "-C", repo, "status", "--porcelain", "--untracked-files=no")
	return strings.TrimSpace(string(out)), err != nil || len(strings.TrimSpace(string(st))) > 0
}

func short(commit string) string {
	if len(commit) > 10 {
		return commit[:10]
	}
	return commit
}

func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	out := fs.String("out", "docs", "directory for benchmarks.md and bench/")
	notes := fs.String("notes", "", "markdown file of observations on this run, stored in the results file and shown in the report")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: wasmta-bench report [--out DIR] [--notes FILE] RESULTS.json")
	}
	res, err := result.Read(fs.Arg(0))
	if err != nil {
		return err
	}
	if *notes != "" {
		b, err := os.ReadFile(*notes)
		if err != nil {
			return err
		}
		res.Notes = strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if err := res.Write(fs.Arg(0)); err != nil {
			return err
		}
	}
	return report.Write(res, *out, filepath.Base(fs.Arg(0)))
}

func compareCmd(args []string) (int, error) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	threshold := fs.Float64("threshold", 10, "percent by which a figure must get worse to count as a regression")
	if err := fs.Parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() != 2 {
		return 0, errors.New("usage: wasmta-bench compare [--threshold PCT] OLD.json NEW.json")
	}
	old, err := result.Read(fs.Arg(0))
	if err != nil {
		return 0, err
	}
	cur, err := result.Read(fs.Arg(1))
	if err != nil {
		return 0, err
	}
	c := result.Compare(old, cur, *threshold)
	c.Print(os.Stdout, fs.Arg(0), fs.Arg(1), *threshold)
	return c.Regressions(), nil
}

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmta/wasmta/mta/spool"
)

// spoolCommand runs `wasmta spool check|salvage` on a stopped spool.
func spoolCommand(args []string, out io.Writer) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "salvage") {
		fmt.Fprintln(os.Stderr, "usage: wasmta spool check|salvage [--config FILE | --spool-dir DIR] [--out DIR] [--json]")
		return errUsage
	}
	fs := flag.NewFlagSet("spool "+args[0], flag.ExitOnError)
	config := fs.String("config", "", "configuration file to read spool_dir from")
	dir := fs.String("spool-dir", "", "the spool_dir of the stopped wasmta (default: from --config, else ./data)")
	outDir := fs.String("out", "", "salvage: directory to write the messages to (must not exist or be empty)")
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	parseArgs(fs, args[1:])
	path, err := spoolPath(*config, *dir)
	if err != nil {
		return err
	}
	// Pebble's own lines (WAL replay) are noise here: warnings only.
	off, err := spool.OpenOffline(path, spool.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr,
		&slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return err
	}
	defer off.Close()
	if args[0] == "check" {
		return spoolCheck(off, out, *asJSON)
	}
	if *outDir == "" {
		return errors.New("spool salvage: --out DIR is required")
	}
	res, err := off.Salvage(*outDir)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "wrote %d messages (%d without their body, %d with an undecodable envelope), %d bodies whose envelope was lost, %d quarantined messages to %s\n",
		res.Messages, res.WithoutBody, res.Undecodable, res.Orphans, res.Quarantined, *outDir)
	for _, d := range res.Damaged {
		fmt.Fprintln(out, "  unreadable:", d)
	}
	return nil
}

// spoolPath is the Pebble directory of a spool_dir: <spool_dir>/spool.
func spoolPath(config, dir string) (string, error) {
	if dir == "" {
		cfg, err := loadConfig(config)
		if err != nil {
			return "", err
		}
		dir = cfg.SpoolDir
	}
	return filepath.Join(dir, "spool"), nil
}

var errDamaged = errors.New("spool check: the spool is damaged or messages are missing (see docs/operations.md, \"Spool damage\")")

func spoolCheck(off *spool.Offline, out io.Writer, asJSON bool) error {
	r, err := off.Check()
	if err != nil {
		return err
	}
	if asJSON {
		if err := json.NewEncoder(out).Encode(r); err != nil {
			return err
		}
	} else {
		printReport(out, r)
	}
	if !r.Clean() {
		return errDamaged
	}
	return nil
}

func printReport(out io.Writer, r *spool.Report) {
	fmt.Fprintf(out, "spool %s\n", r.Dir)
	fmt.Fprintf(out, "envelopes %d (%d undecodable), bodies %d (%d without an envelope), quarantined %d\n",
		r.Envelopes, r.Undecodable, r.Bodies, r.Orphans, r.Quarantined)
	fmt.Fprintf(out, "acknowledged %d, removed %d: %d envelopes expected; ACKNOWLEDGED file %d\n",
		r.Acked, r.Gone, int64(r.Acked)-int64(r.Gone), r.AckFile)
	fmt.Fprintf(out, "missing %d, lost with the end of the WAL %d, deleted but back %d\n", r.Missing, r.WALTail, r.Returned)
	for _, t := range r.DamagedTables {
		fmt.Fprintln(out, "damaged table:", t)
	}
	for _, d := range r.Damaged {
		fmt.Fprintln(out, "unreadable:", d)
	}
	for _, l := range r.Past {
		fmt.Fprintf(out, "reported %s: %s\n", l.Time.Format(time.RFC3339), l.String())
	}
	if r.Clean() {
		fmt.Fprintln(out, "ok: nothing missing or damaged")
	}
}

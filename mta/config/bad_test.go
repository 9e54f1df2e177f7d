package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the .err files of testdata/bad from the current output")

// TestBadFiles parses each testdata/bad/NAME.toml, one kind of mistake per
// file, and compares the whole error text with NAME.err. With -update the
// .err files are rewritten, so a change of wording is a reviewed diff.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bad files: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".toml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse accepted %s: %+v", f, c)
			}
			if c != nil {
				t.Errorf("Parse returned a config with an error")
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".toml") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("error text of %s:\n got:\n%s\nwant:\n%s", f, got, want)
			}
		})
	}
}

// TestErrorsAreTyped checks that every reported problem is an *Error with
// the key it names, so callers can act on a key without parsing text.
func TestErrorsAreTyped(t *testing.T) {
	_, err := Parse([]byte("[smtp]\nmax_recipients = 0\n[queue]\nmax_age = \"soon\"\n"))
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *config.Error", e)
		}
		keys = append(keys, ce.Key)
	}
	if got := strings.Join(keys, ","); got != "smtp.max_recipients,queue.max_age" {
		t.Errorf("keys = %s", got)
	}
}

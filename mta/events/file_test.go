package events

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// lineSink keeps the lines it is handed.
type lineSink struct {
	lines [][]byte
	plain int
}

func (s *lineSink) Record(*Record) { s.plain++ }

func (s *lineSink) RecordLine(_ *Record, line []byte) {
	s.lines = append(s.lines, append([]byte(nil), line...))
}

// TestLineSinkGetsTheFileBytes: a LineSink behind a Tee gets each record's
// line, the same bytes as the file, and a plain sink beside it the record.
func TestLineSinkGetsTheFileBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.jsonl")
	ls := &lineSink{}
	n := 0
	fw, err := Open(FileOptions{Path: path}, Tee(ls, SinkFunc(func(*Record) { n++ })))
	if err != nil {
		t.Fatal(err)
	}
	writeN(fw, 0, 5)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := bytes.Join(ls.lines, nil); !bytes.Equal(got, data) || len(ls.lines) != 5 || ls.plain != 0 {
		t.Fatalf("line sink got %d lines (%d plain calls):\n%s\nfile:\n%s", len(ls.lines), ls.plain, got, data)
	}
	if n != 5 {
		t.Fatalf("plain sink got %d records, want 5", n)
	}
}

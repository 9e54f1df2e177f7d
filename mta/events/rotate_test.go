package events

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source for rotation by age and retention.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// readAll returns the ids of every record in the directory's records files
// (current, rotated, compressed), and the file names.
// A file that the janitor compresses or deletes meanwhile makes it list
// the directory again.
func readAll(t *testing.T, dir string) (ids []string, names []string) {
	t.Helper()
	for range 100 {
		ids, names, err := tryReadAll(t, dir)
		if err == nil {
			return ids, names
		}
		if !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("files keep disappearing")
	return nil, nil
}

func tryReadAll(t *testing.T, dir string) (ids []string, names []string, err error) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		names = append(names, e.Name())
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		var rd io.Reader = f
		if strings.HasSuffix(e.Name(), ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", e.Name(), err)
			}
			rd = zr
		}
		sc := bufio.NewScanner(rd)
		for sc.Scan() {
			var r Record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s: line %q: %v", e.Name(), sc.Text(), err)
			}
			ids = append(ids, r.ID)
		}
		f.Close()
	}
	sort.Strings(ids)
	return ids, names, nil
}

func writeN(fw *FileWriter, from, n int) {
	for i := from; i < from+n; i++ {
		fw.Record(&Record{Type: Delivery, ID: fmt.Sprintf("%06d", i), Recipient: strings.Repeat("r", 100) + "@example.test"})
	}
}

func waitFiles(t *testing.T, dir string, ok func(names []string) bool) []string {
	t.Helper()
	// Generous: the writer's 100 ms tick and the janitor are goroutines
	// that a loaded 2-CPU machine can starve for seconds; a wait that
	// succeeds returns at once.
	deadline := time.Now().Add(20 * time.Second)
	for {
		// A condition may also stat a file after the listing was taken,
		// so one listing can pair old names with a new file (a rotation
		// in between). The state counts only when a listing taken after
		// the condition held agrees with it.
		_, names := readAll(t, dir)
		if ok(names) {
			if _, again := readAll(t, dir); ok(again) {
				return again
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("files %v never reached the expected state", names)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countSuffix(names []string, suffix string) int {
	n := 0
	for _, name := range names {
		if strings.HasSuffix(name, suffix) {
			n++
		}
	}
	return n
}

// TestRotateBySizeLosesNothing: rotation by size splits the records into
// files under the limit, compresses the rotated ones, and every record is
// in exactly one file.
func TestRotateBySizeLosesNothing(t *testing.T) {
	dir := t.TempDir()
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	fw, err := Open(FileOptions{Path: filepath.Join(dir, "records.jsonl"), RotateSize: 64 << 10, Compress: true,
		Now: func() time.Time { c.add(time.Millisecond); return c.Now() }})
	// Rotated names carry the clock's time: each call moves it on, so no
	// two rotations share a name.
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000 // about 170 bytes each: 8 files
	writeN(fw, 0, n)
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	fw, err = Open(FileOptions{Path: filepath.Join(dir, "records.jsonl"), Compress: true, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	names := waitFiles(t, dir, func(names []string) bool { return countSuffix(names, ".jsonl") == 1 })
	if gz := countSuffix(names, ".jsonl.gz"); gz < 5 {
		t.Fatalf("files %v: want at least 5 compressed rotated files", names)
	}
	ids, _ := readAll(t, dir)
	if len(ids) != n {
		t.Fatalf("%d records in the files, want %d", len(ids), n)
	}
	for i, id := range ids {
		if id != fmt.Sprintf("%06d", i) {
			t.Fatalf("record %d is %s: a record was lost or duplicated", i, id)
		}
	}
	for _, name := range names {
		st, _ := os.Stat(filepath.Join(dir, name))
		if strings.HasSuffix(name, ".jsonl") && st.Size() > 64<<10 {
			t.Fatalf("%s is %d bytes, over rotate_size", name, st.Size())
		}
	}
}

// TestRotateByAgeAndRetention: a file is rotated once its first record is
// rotate_interval old (also after a restart), and retention keeps the
// newest keep_files and nothing older than keep_for.
func TestRotateByAgeAndRetention(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "records.jsonl")
	c := &clock{now: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	opts := FileOptions{Path: path, RotateInterval: time.Hour, KeepFiles: 3, KeepFor: 5 * time.Hour, Now: c.Now}
	fw, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			return -1
		}
		return st.Size()
	}
	for h := 0; h < 6; h++ {
		fw.Record(&Record{Type: Delivery, ID: fmt.Sprint(h), Time: c.Now()})
		waitFiles(t, dir, func([]string) bool { return size() > 0 }) // written: the clock may move
		c.add(time.Hour)
		waitFiles(t, dir, func(names []string) bool { return size() == 0 && countSuffix(names, "Z.jsonl") == min(h+1, 3) })
	}
	// A restart keeps the age of the current file: its first record says
	// when it started.
	fw.Record(&Record{Type: Delivery, ID: "6", Time: c.Now()})
	fw.Close()
	c.add(30 * time.Minute)
	fw, err = Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	c.add(31 * time.Minute)
	names := waitFiles(t, dir, func(names []string) bool { return size() == 0 && countSuffix(names, "Z.jsonl") == 3 })
	ids, _ := readAll(t, dir)
	if strings.Join(ids, ",") != "4,5,6" {
		t.Fatalf("records kept %v in %v, want 4,5,6 (the newest 3 rotated files)", ids, names)
	}
	// keep_for: four more hours of silence delete the two older files.
	c.add(4*time.Hour + time.Minute)
	fw.out.signal()
	waitFiles(t, dir, func(names []string) bool { return countSuffix(names, "Z.jsonl") == 1 })
}

// TestDisabledWritesNoFile: with Disabled the fan-out sinks still get every
// record and no file is created.
func TestDisabledWritesNoFile(t *testing.T) {
	dir := t.TempDir()
	var got []string
	fw, err := Open(FileOptions{Path: filepath.Join(dir, "records.jsonl"), Disabled: true},
		SinkFunc(func(r *Record) { got = append(got, r.ID) }))
	if err != nil {
		t.Fatal(err)
	}
	writeN(fw, 0, 10)
	fw.Close()
	if len(got) != 10 {
		t.Fatalf("fan-out got %d records, want 10", len(got))
	}
	if _, names := readAll(t, dir); len(names) != 0 {
		t.Fatalf("files %v written while disabled", names)
	}
}

// TestInterruptedCompression: a rotated file left uncompressed and a
// half-written .gz.tmp (a crash while compressing) are fixed at Open.
func TestInterruptedCompression(t *testing.T) {
	dir := t.TempDir()
	rotated := filepath.Join(dir, "records-20260102T030405.000Z.jsonl")
	if err := os.WriteFile(rotated, []byte(`{"type":"Delivery","time":"2026-01-02T03:04:05Z","id":"x"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rotated+".gz.tmp", []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	fw, err := Open(FileOptions{Path: filepath.Join(dir, "records.jsonl"), Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	defer fw.Close()
	names := waitFiles(t, dir, func(names []string) bool { return countSuffix(names, ".gz") == 1 && len(names) == 2 })
	if ids, _ := readAll(t, dir); len(ids) != 1 || ids[0] != "x" {
		t.Fatalf("after recovery files %v hold %v, want the one record", names, ids)
	}
}

func BenchmarkFileWriter(b *testing.B) {
	fw, err := Open(FileOptions{Path: filepath.Join(b.TempDir(), "records.jsonl"), RotateSize: 16 << 20, Compress: true})
	if err != nil {
		b.Fatal(err)
	}
	r := &Record{Type: Delivery, ID: "0123456789abcdef0123456789abcdef", Tenant: "acme", Recipient: "someone@example.test",
		Site: "(mx1|mx2).example.test", Pool: "default", Source: "ip1", Attempts: 1, QueueTime: 0.25}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := *r
		fw.Record(&c)
	}
	fw.Close()
}

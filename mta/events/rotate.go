package events

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Rotated files are named <base>-<UTC rotation time>.jsonl beside the
// current file, e.g. records-20260102T150405.123Z.jsonl, and end in .gz
// once compressed. The stamp sorts as text, so the names alone order the
// files and tell their age: retention needs no state of its own.
const stampLayout = "20060102T150405.000Z"

// rotator owns the current records file. Only the FileWriter goroutine
// calls write, tick, flush and close; compression and retention run in a
// janitor goroutine that works from the directory listing, so work left
// over by a crash or a Close is picked up at the next Open.
type rotator struct {
	opts      FileOptions
	log       *slog.Logger
	dir, base string // base is the file name without its extension
	ext       string
	f         *os.File
	w         *bufio.Writer
	size      int64
	first     time.Time // time of the first record in the current file; zero when empty

	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
}

func openRotator(opts FileOptions) (*rotator, error) {
	dir, name := filepath.Split(opts.Path)
	if dir == "" {
		dir = "."
	}
	ext := filepath.Ext(name)
	r := &rotator{opts: opts, log: opts.Logger, dir: dir, base: strings.TrimSuffix(name, ext), ext: ext,
		wake: make(chan struct{}, 1), stop: make(chan struct{})}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("events: create %s: %w", dir, err)
	}
	if err := r.openCurrent(); err != nil {
		return nil, err
	}
	r.first = firstRecordTime(opts.Path, r.size, opts.Now())
	r.wg.Go(r.janitor)
	r.signal()
	return r, nil
}

func (r *rotator) openCurrent() error {
	f, err := os.OpenFile(r.opts.Path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("events: open %s: %w", r.opts.Path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("events: stat %s: %w", r.opts.Path, err)
	}
	r.f, r.size, r.first = f, st.Size(), time.Time{}
	if r.w == nil {
		r.w = bufio.NewWriterSize(f, 256<<10)
	} else {
		r.w.Reset(f)
	}
	return nil
}

// firstRecordTime reads the time of the first record of an existing file,
// so that a restart does not restart its age; now when it has none.
func firstRecordTime(path string, size int64, now time.Time) time.Time {
	if size == 0 {
		return time.Time{}
	}
	f, err := os.Open(path)
	if err != nil {
		return now
	}
	defer f.Close()
	line, _ := bufio.NewReaderSize(f, 64<<10).ReadSlice('\n')
	var rec struct{ Time time.Time }
	if json.Unmarshal(line, &rec) != nil || rec.Time.IsZero() {
		return now
	}
	return rec.Time
}

// write appends one encoded record of time at.
func (r *rotator) write(line []byte, at time.Time) {
	n := int64(len(line))
	if r.opts.RotateSize > 0 && r.size > 0 && r.size+n > r.opts.RotateSize {
		r.rotate()
	}
	if r.size == 0 {
		r.first = at
	}
	if _, err := r.w.Write(line); err != nil {
		r.log.Error("events: write record", "err", err)
		return
	}
	r.size += n
}

// tick rotates a file that reached its age.
func (r *rotator) tick() {
	iv := r.opts.RotateInterval
	if iv > 0 && r.size > 0 && r.opts.Now().Sub(r.first) >= iv {
		r.rotate()
	}
}

func (r *rotator) flush() {
	if err := r.w.Flush(); err != nil {
		r.log.Error("events: flush records", "err", err)
	}
}

// rotate closes the current file under its rotated name and starts a new
// one. On a failure the records keep going to the current file.
func (r *rotator) rotate() {
	r.flush()
	if err := r.f.Sync(); err != nil {
		r.log.Error("events: sync records before rotation", "err", err)
	}
	to := filepath.Join(r.dir, r.base+"-"+r.opts.Now().UTC().Format(stampLayout)+r.ext)
	if err := os.Rename(r.opts.Path, to); err != nil {
		r.log.Error("events: rotate records", "to", to, "err", err)
		return
	}
	old := r.f
	if err := r.openCurrent(); err != nil {
		// Keep appending to the renamed file rather than lose records.
		r.log.Error("events: open new records file", "err", err)
		return
	}
	if err := old.Close(); err != nil {
		r.log.Error("events: close rotated records", "file", to, "err", err)
	}
	r.signal()
}

func (r *rotator) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *rotator) close() error {
	close(r.stop)
	r.wg.Wait()
	err := r.w.Flush()
	return errors.Join(err, r.f.Close())
}

// janitor compresses rotated files and applies retention, at Open, after
// each rotation and hourly (so keep_for also applies to an idle server).
func (r *rotator) janitor() {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-r.wake:
		case <-t.C:
		}
		r.cleanup()
	}
}

// rotatedFile is a rotated file found in the directory.
type rotatedFile struct {
	name string
	at   time.Time
	gz   bool
}

// rotated lists the rotated files, newest first, and removes the leftovers
// of an interrupted compression.
func (r *rotator) rotated() ([]rotatedFile, error) {
	ents, err := os.ReadDir(r.dir)
	if err != nil {
		return nil, fmt.Errorf("events: list %s: %w", r.dir, err)
	}
	var out []rotatedFile
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, r.base+"-") {
			continue
		}
		if strings.HasSuffix(name, r.ext+".gz.tmp") {
			os.Remove(filepath.Join(r.dir, name))
			continue
		}
		stamp, gz := strings.TrimPrefix(name, r.base+"-"), strings.HasSuffix(name, ".gz")
		stamp = strings.TrimSuffix(strings.TrimSuffix(stamp, ".gz"), r.ext)
		at, err := time.Parse(stampLayout, stamp)
		if err != nil {
			continue
		}
		out = append(out, rotatedFile{name: name, at: at, gz: gz})
	}
	slices.SortFunc(out, func(a, b rotatedFile) int { return b.at.Compare(a.at) })
	return out, nil
}

func (r *rotator) cleanup() {
	files, err := r.rotated()
	if err != nil {
		r.log.Error("events: records retention", "err", err)
		return
	}
	now := r.opts.Now()
	for i, f := range files {
		expired := r.opts.KeepFor > 0 && now.Sub(f.at) > r.opts.KeepFor
		if expired || (r.opts.KeepFiles > 0 && i >= r.opts.KeepFiles) {
			if err := os.Remove(filepath.Join(r.dir, f.name)); err != nil && !os.IsNotExist(err) {
				r.log.Error("events: delete old records", "file", f.name, "err", err)
			}
			continue
		}
		if r.opts.Compress && !f.gz {
			if err := r.compress(filepath.Join(r.dir, f.name)); err != nil && !errors.Is(err, errStopped) {
				r.log.Error("events: compress records", "file", f.name, "err", err)
			}
		}
		select {
		case <-r.stop:
			return
		default:
		}
	}
}

// compress writes path.gz through a temporary file, syncs it, renames it
// and removes path: a crash at any point leaves either file complete.
func (r *rotator) compress(path string) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := path + ".gz.tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
	err = r.copyStoppable(zw, in)
	err = errors.Join(err, zw.Close(), out.Sync(), out.Close())
	if err == nil {
		err = os.Rename(tmp, path+".gz")
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Remove(path)
}

var errStopped = errors.New("events: writer closed")

// copyStoppable copies in chunks so that Close does not wait for a large
// file to be compressed.
func (r *rotator) copyStoppable(dst io.Writer, src io.Reader) error {
	buf := make([]byte, 1<<20)
	for {
		select {
		case <-r.stop:
			return errStopped
		default:
		}
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

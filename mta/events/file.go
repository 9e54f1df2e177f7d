package events

import (
	"bufio"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// FileWriter appends records to a JSON-lines file. Record hands the record
// to a background goroutine through a buffered channel, so reception and
// delivery never wait for the disk; when the buffer is full Record blocks
// rather than drop a record.
type FileWriter struct {
	ch     chan *Record
	done   chan struct{}
	f      *os.File
	w      *bufio.Writer
	log    *slog.Logger
	mu     sync.RWMutex // held shared while sending so Close cannot close ch under a sender
	closed bool
	fanout []Sink
}

// OpenFile opens (creating it and its directory) the records file at path.
// Records are also passed, in order, to each of also.
func OpenFile(path string, log *slog.Logger, also ...Sink) (*FileWriter, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("events: create %s: %w", filepath.Dir(path), err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("events: open %s: %w", path, err)
	}
	fw := &FileWriter{
		ch:     make(chan *Record, 8192),
		done:   make(chan struct{}),
		f:      f,
		w:      bufio.NewWriterSize(f, 256<<10),
		log:    log,
		fanout: also,
	}
	go fw.run()
	return fw, nil
}

// Record queues r for writing. r must not be changed afterwards.
func (fw *FileWriter) Record(r *Record) {
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	fw.mu.RLock()
	defer fw.mu.RUnlock()
	if fw.closed {
		return
	}
	fw.ch <- r
}

func (fw *FileWriter) run() {
	defer close(fw.done)
	enc := json.NewEncoder(fw.w)
	enc.SetEscapeHTML(false)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-fw.ch:
			if !ok {
				fw.flush()
				return
			}
			if err := enc.Encode(r); err != nil {
				fw.log.Error("events: write record", "err", err)
			}
			for _, s := range fw.fanout {
				s.Record(r)
			}
		case <-tick.C:
			fw.flush()
		}
	}
}

func (fw *FileWriter) flush() {
	if err := fw.w.Flush(); err != nil {
		fw.log.Error("events: flush records", "err", err)
	}
}

// Close writes what is queued and closes the file.
func (fw *FileWriter) Close() error {
	fw.mu.Lock()
	if fw.closed {
		fw.mu.Unlock()
		return nil
	}
	fw.closed = true
	fw.mu.Unlock()
	close(fw.ch)
	<-fw.done
	return fw.f.Close()
}

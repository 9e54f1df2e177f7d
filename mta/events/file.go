package events

import (
	"errors"
	"log/slog"
	"sync"
	"time"
)

// FileOptions configures a FileWriter.
type FileOptions struct {
	Path string
	// Disabled writes no file: records only go to the fan-out sinks.
	Disabled bool
	// RotateSize rotates the file before a record would take it past this
	// many bytes; 0 = never by size.
	RotateSize int64
	// RotateInterval rotates the file once its first record is this old;
	// 0 = never by age.
	RotateInterval time.Duration
	// Compress gzips rotated files in the background.
	Compress bool
	// KeepFiles is how many rotated files are kept, the newest; 0 = all.
	KeepFiles int
	// KeepFor deletes rotated files rotated longer ago; 0 = never.
	KeepFor time.Duration
	Logger  *slog.Logger
	// Now is the clock (tests); nil = time.Now.
	Now func() time.Time
}

// LineSink is a Sink that can take a record with its JSON encoding, one
// line ending in '\n'. The FileWriter encodes each record once and hands
// the line to such sinks instead of calling Record; line is only valid
// during the call.
type LineSink interface {
	Sink
	RecordLine(r *Record, line []byte)
}

// Flusher is a Sink that buffers records. The FileWriter calls Flush when
// it closes, after it passed on its last record, so that a sink can make
// its records durable while the spool is still open.
type Flusher interface {
	Flush() error
}

// FileWriter appends records to a JSON-lines file, rotating it by size and
// age (see rotate.go). Record hands the record to a background goroutine
// through a buffered channel, so reception and delivery never wait for the
// disk; when the buffer is full Record blocks rather than drop a record.
// The same goroutine passes each record, in order, to the fan-out sinks.
type FileWriter struct {
	ch     chan *Record
	done   chan struct{}
	out    *rotator // nil when Disabled
	log    *slog.Logger
	mu     sync.RWMutex // held shared while sending so Close cannot close ch under a sender
	closed bool
	fanout []Sink
	lines  bool // some fan-out sink is a LineSink
}

// Open opens the records file of opts (unless Disabled) and starts the
// writer. Records are also passed, in order, to each of also.
func Open(opts FileOptions, also ...Sink) (*FileWriter, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	fw := &FileWriter{
		ch:     make(chan *Record, 8192),
		done:   make(chan struct{}),
		log:    opts.Logger,
		fanout: also,
	}
	for _, s := range also {
		if _, ok := s.(LineSink); ok {
			fw.lines = true
		}
	}
	if !opts.Disabled {
		r, err := openRotator(opts)
		if err != nil {
			return nil, err
		}
		fw.out = r
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
	var buf []byte
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r, ok := <-fw.ch:
			if !ok {
				fw.flush()
				return
			}
			buf = fw.handle(r, buf[:0])
		case <-tick.C:
			fw.flush()
			if fw.out != nil {
				fw.out.tick()
			}
		}
	}
}

// handle encodes r once (when the file or a LineSink needs it) into buf,
// writes it and passes it on; it returns buf for reuse.
func (fw *FileWriter) handle(r *Record, buf []byte) []byte {
	var line []byte
	if fw.out != nil || fw.lines {
		if line = AppendJSON(buf, r); len(line) == 0 {
			fw.log.Error("events: record cannot be encoded", "type", r.Type)
			line = nil
		}
	}
	if fw.out != nil && line != nil {
		fw.out.write(line, r.Time)
	}
	for _, s := range fw.fanout {
		if ls, ok := s.(LineSink); ok && line != nil {
			ls.RecordLine(r, line)
		} else {
			s.Record(r)
		}
	}
	if line == nil {
		return buf
	}
	return line
}

func (fw *FileWriter) flush() {
	if fw.out != nil {
		fw.out.flush()
	}
}

// Close writes what is queued and closes the file. A rotated file still
// being compressed is left as it is and compressed at the next Open.
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
	var errs []error
	for _, s := range fw.fanout {
		if f, ok := s.(Flusher); ok {
			errs = append(errs, f.Flush())
		}
	}
	if fw.out != nil {
		errs = append(errs, fw.out.close())
	}
	return errors.Join(errs...)
}

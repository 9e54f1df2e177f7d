package sender

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Config describes one run.
type Config struct {
	Addr     string        // the MTA's SMTP address
	Rate     float64       // messages per second
	Count    int           // messages to send
	Conns    int           // persistent connections
	Size     int           // body bytes
	From, To string        // envelope
	MaxTime  time.Duration // the run gives up after this long (default: twice the planned time + 30s)
}

// Result holds the timestamps of one run. Index i is message X-Bench-ID i.
type Result struct {
	Start    time.Time
	Due      []time.Time // when message i was due to be sent
	Accepted []time.Time // when the MTA said 250 (zero: failed or not sent)
	Failed   int
	FirstErr error
	Elapsed  time.Duration
}

// Run sends cfg.Count messages at cfg.Rate and returns when all are
// answered, or ctx or cfg.MaxTime ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Rate <= 0 || cfg.Count <= 0 || cfg.Conns <= 0 {
		return nil, fmt.Errorf("sender: rate, count and conns must be positive: %+v", cfg)
	}
	if cfg.MaxTime == 0 {
		cfg.MaxTime = 2*time.Duration(float64(cfg.Count)/cfg.Rate*float64(time.Second)) + 30*time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MaxTime)
	defer cancel()
	res := &Result{Due: make([]time.Time, cfg.Count), Accepted: make([]time.Time, cfg.Count)}
	queue := make(chan int, cfg.Count)
	body := Body(cfg.Size)
	var failed atomic.Int64
	var errOnce sync.Once
	fail := func(err error) {
		failed.Add(1)
		errOnce.Do(func() { res.FirstErr = err })
	}
	var wg sync.WaitGroup
	for range cfg.Conns {
		wg.Go(func() { worker(ctx, cfg, body, queue, res, fail) })
	}
	res.Start = time.Now()
	schedule(ctx, cfg, res, queue)
	close(queue)
	wg.Wait()
	res.Elapsed = time.Since(res.Start)
	res.Failed = int(failed.Load())
	return res, ctx.Err()
}

// schedule queues message i at Start + i/Rate.
func schedule(ctx context.Context, cfg Config, res *Result, queue chan<- int) {
	interval := float64(time.Second) / cfg.Rate
	for i := range cfg.Count {
		due := res.Start.Add(time.Duration(float64(i) * interval))
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d):
			}
		}
		res.Due[i] = due
		queue <- i
	}
}

// worker sends queued messages over one connection, reconnecting after an
// error.
func worker(ctx context.Context, cfg Config, body []byte, queue <-chan int, res *Result, fail func(error)) {
	var c *smtp.Client
	defer func() {
		if c != nil {
			c.Quit()
			c.Close()
		}
	}()
	for i := range queue {
		if ctx.Err() != nil {
			fail(ctx.Err())
			continue
		}
		var err error
		if c == nil {
			c, err = dial(cfg.Addr)
		}
		if err == nil {
			err = sendOne(c, cfg, i, body)
		}
		if err != nil {
			fail(fmt.Errorf("sender: message %d: %w", i, err))
			if c != nil {
				c.Close()
				c = nil
			}
			continue
		}
		res.Accepted[i] = time.Now()
	}
}

func dial(addr string) (*smtp.Client, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Hello("bench-client.localhost"); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func sendOne(c *smtp.Client, cfg Config, id int, body []byte) error {
	if err := c.Mail(cfg.From, nil); err != nil {
		return err
	}
	if err := c.Rcpt(cfg.To, nil); err != nil {
		return errors.Join(err, c.Reset())
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	hdr := header(cfg, id)
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

func header(cfg Config, id int) []byte {
	var b bytes.Buffer
	b.WriteString("From: <" + cfg.From + ">\r\nTo: <" + cfg.To + ">\r\n")
	b.WriteString("Subject: wasmta-bench latency\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\n")
	b.WriteString("Message-ID: <" + strconv.Itoa(id) + "." + strconv.FormatInt(time.Now().UnixNano(), 36) + "@bench.localhost>\r\n")
	b.WriteString("X-Bench-ID: " + strconv.Itoa(id) + "\r\n\r\n")
	return b.Bytes()
}

// Body returns size bytes of message body in 78-character lines.
func Body(size int) []byte {
	line := []byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmn\r\n")
	b := make([]byte, 0, size+len(line))
	for len(b) < size {
		b = append(b, line...)
	}
	b = b[:size]
	if size >= 2 {
		b[size-2], b[size-1] = '\r', '\n'
	}
	return b
}

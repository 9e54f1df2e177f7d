package scenario

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/bench/internal/sender"
)

// blindInjector submits the blind mix's burst: every message at once,
// providers interleaved, over a few persistent sessions, logged in with
// AUTH PLAIN when user is set (wasmta's tenant), else as a relay client.
type blindInjector struct {
	addr, user, pass string
	sessions         int
}

// blindMessage is one message to submit.
type blindMessage struct {
	provider, to string
}

// blindQueue lists the messages of the draws interleaved, so that every
// provider's queue fills from the start of the burst.
func blindQueue(draws []blindDraw, domains map[string]string) []blindMessage {
	var out []blindMessage
	for i := 0; ; i++ {
		added := false
		for _, d := range draws {
			if i < d.load {
				out = append(out, blindMessage{d.spec.name, "u" + strconv.Itoa(i) + "@" + domains[d.spec.name]})
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// submitted is when the MTA accepted each message of the burst: by
// provider, and by recipient address (lower case).
type submitted struct {
	at   map[string][]time.Time
	rcpt map[string]time.Time
}

// run submits msgs and returns when all are answered or ctx ends. It
// returns when each message was accepted.
func (in blindInjector) run(ctx context.Context, msgs []blindMessage) (submitted, error) {
	queue := make(chan blindMessage, len(msgs))
	for _, m := range msgs {
		queue <- m
	}
	close(queue)
	var mu sync.Mutex
	sub := submitted{at: map[string][]time.Time{}, rcpt: map[string]time.Time{}}
	var firstErr error
	var wg sync.WaitGroup
	body := sender.Body(4096)
	for range in.sessions {
		wg.Go(func() {
			err := in.session(ctx, queue, body, func(m blindMessage) {
				now := time.Now()
				mu.Lock()
				sub.at[m.provider] = append(sub.at[m.provider], now)
				sub.rcpt[strings.ToLower(m.to)] = now
				mu.Unlock()
			})
			if err != nil {
				mu.Lock()
				firstErr = cmpErr(firstErr, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return sub, firstErr
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// session sends queued messages over one connection, reconnecting after
// an error; a message that fails is counted out, not retried.
func (in blindInjector) session(ctx context.Context, queue <-chan blindMessage, body []byte, ok func(blindMessage)) error {
	var c *smtp.Client
	var last error
	defer func() {
		if c != nil {
			c.Quit()
			c.Close()
		}
	}()
	for m := range queue {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var err error
		if c == nil {
			c, err = in.dial(ctx)
		}
		if err == nil {
			err = submit(c, m.to, body)
		}
		if err != nil {
			last = fmt.Errorf("blind mix: submitting to %s: %w", m.to, err)
			if c != nil {
				c.Close()
				c = nil
			}
			continue
		}
		ok(m)
	}
	return last
}

func (in blindInjector) dial(ctx context.Context) (*smtp.Client, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", in.addr)
	if err != nil {
		return nil, err
	}
	c := smtp.NewClient(conn)
	if err := c.Hello("app.bench.example"); err != nil {
		c.Close()
		return nil, err
	}
	if in.user != "" {
		if err := c.Auth(plainAuth{in.user, in.pass}); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

func submit(c *smtp.Client, to string, body []byte) error {
	if err := c.Mail(benchFrom, nil); err != nil {
		return err
	}
	if err := c.Rcpt(to, nil); err != nil {
		return errors.Join(err, c.Reset())
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	hdr := "From: <" + benchFrom + ">\r\nTo: <" + to + ">\r\nSubject: blind provider mix\r\nDate: " +
		time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <" + strconv.FormatInt(time.Now().UnixNano(), 36) +
		"." + strings.ReplaceAll(to, "@", ".") + "@bench.example>\r\n\r\n"
	if _, err := w.Write([]byte(hdr)); err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}

// plainAuth is the client side of SASL PLAIN (RFC 4616), which go-smtp's
// Client.Auth takes as any value with these two methods.
type plainAuth struct{ user, pass string }

func (a plainAuth) Start() (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next([]byte) ([]byte, error) {
	return nil, errors.New("blind mix: unexpected SASL challenge")
}

package mx

import (
	"context"
	"sync"
)

// flight makes concurrent callers asking for one key share one call. The
// call runs detached from any caller's context (it has its own timeout), so
// a caller that gives up does not fail the others.
type flight[T any] struct {
	mu    sync.Mutex
	calls map[string]*call[T]
}

type call[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func (f *flight[T]) do(ctx context.Context, key string, fn func() (T, error)) (T, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*call[T]{}
	}
	c, ok := f.calls[key]
	if !ok {
		c = &call[T]{done: make(chan struct{})}
		f.calls[key] = c
		go f.run(key, c, fn)
	}
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (f *flight[T]) run(key string, c *call[T], fn func() (T, error)) {
	c.val, c.err = fn()
	f.mu.Lock()
	delete(f.calls, key)
	f.mu.Unlock()
	close(c.done)
}

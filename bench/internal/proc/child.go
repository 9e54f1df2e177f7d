package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Child is a process started by Start, in its own process group.
type Child struct {
	Name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed
	log  *os.File
}

var (
	liveMu sync.Mutex
	live   = map[*Child]bool{}
)

// Start runs name with args in a new process group, with stdout and stderr
// appended to logPath ("" discards them).
func Start(name string, args []string, logPath string, env ...string) (*Child, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), env...)
	c := &Child{Name: name, cmd: cmd, done: make(chan struct{})}
	if logPath != "" {
		f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, fmt.Errorf("proc: log of %s: %w", name, err)
		}
		c.log, cmd.Stdout, cmd.Stderr = f, f, f
	}
	if err := cmd.Start(); err != nil {
		c.closeLog()
		return nil, fmt.Errorf("proc: start %s: %w", name, err)
	}
	liveMu.Lock()
	live[c] = true
	liveMu.Unlock()
	go func() {
		c.err = cmd.Wait()
		c.closeLog()
		liveMu.Lock()
		delete(live, c)
		liveMu.Unlock()
		close(c.done)
	}()
	return c, nil
}

func (c *Child) closeLog() {
	if c.log != nil {
		c.log.Close()
	}
}

// PID returns the process id.
func (c *Child) PID() int { return c.cmd.Process.Pid }

// Done is closed when the process has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Exited reports whether the process has ended, and its error if so.
func (c *Child) Exited() (bool, error) {
	select {
	case <-c.done:
		return true, c.err
	default:
		return false, nil
	}
}

// Wait waits for the process to exit on its own, up to ctx.
func (c *Child) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return fmt.Errorf("proc: wait for %s: %w", c.Name, ctx.Err())
	}
}

// Stop sends SIGTERM to the process group, and SIGKILL after grace. It
// returns once the process has exited.
func (c *Child) Stop(grace time.Duration) {
	select {
	case <-c.done:
		return
	default:
	}
	_ = syscall.Kill(-c.PID(), syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(grace):
		_ = syscall.Kill(-c.PID(), syscall.SIGKILL)
		<-c.done
	}
	// Processes the child left in its group (none expected) go too.
	_ = syscall.Kill(-c.PID(), syscall.SIGKILL)
}

// Kill ends the process group at once with SIGKILL.
func (c *Child) Kill() {
	_ = syscall.Kill(-c.PID(), syscall.SIGKILL)
	<-c.done
}

// StopAll stops every child still running, each with the given grace.
func StopAll(grace time.Duration) {
	liveMu.Lock()
	var cs []*Child
	for c := range live {
		cs = append(cs, c)
	}
	liveMu.Unlock()
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() { c.Stop(grace) })
	}
	wg.Wait()
}

// Run runs a command to completion, bounded by ctx, and returns its
// combined output. The process group is killed when ctx ends first.
func Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("proc: %s: %w", name, err)
	}
	return out, nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("proc: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitPort waits until addr accepts TCP connections, up to ctx, or until
// the child (if given) exits.
func WaitPort(ctx context.Context, addr string, c *Child) error {
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		if c != nil {
			if ok, werr := c.Exited(); ok {
				return fmt.Errorf("proc: %s exited before %s accepted: %w", c.Name, addr, errors.Join(werr, io.ErrUnexpectedEOF))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("proc: wait for %s: %w", addr, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

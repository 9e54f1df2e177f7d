package scenario

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wasmta/wasmta/bench/internal/gobench"
)

// goBench runs `go test -bench` on one package of the repository and
// returns the parsed lines and the command run. count repeats every
// benchmark (one line each); flags (-tags) go before the package.
func (e *Env) goBench(ctx context.Context, pkg, pattern, benchtime string, count int, limit time.Duration, flags ...string) ([]gobench.Line, string, error) {
	args := []string{"test", "-run", "^$", "-bench", pattern, "-benchtime", benchtime,
		"-count", strconv.Itoa(count), "-timeout", limit.String()}
	args = append(append(args, flags...), pkg)
	ctx, cancel := within(ctx, limit+2*time.Minute) // compiling comes on top
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = e.Repo
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	command := "go " + strings.Join(args, " ")
	err := cmd.Run()
	lines, perr := gobench.Parse(bytes.NewReader(out.Bytes()))
	if err != nil || perr != nil {
		tail := out.String()
		if len(tail) > 800 {
			tail = tail[len(tail)-800:]
		}
		return lines, command, fmt.Errorf("%s: %v %v: %s", command, err, perr, tail)
	}
	return lines, command, nil
}

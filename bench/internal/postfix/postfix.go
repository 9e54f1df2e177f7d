package postfix

import (
	"context"
	"embed"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/wasmta/wasmta/bench/internal/proc"
)

//go:embed templates/*.tmpl
var templates embed.FS

// Config describes an instance.
type Config struct {
	Dir                string            // private directory (created; must not exist or be empty)
	SMTPPort           int               // smtpd listens on 127.0.0.1:SMTPPort
	RelayHost          string            // next hop for every domain (IP literal), or ""
	RelayPort          int               //
	Transports         map[string]string // domain → transport:nexthop (e.g. "gmail:[127.0.10.1]:2525")
	Concurrency        int               // default_destination_concurrency_limit [20]
	InitialConcurrency int               // initial_destination_concurrency [5]
	InFlowDelay        string            // in_flow_delay ["0s"]
	Extra              []string          // more main.cf lines ("name = value")
	Services           []string          // more master.cf lines
}

// Instance is a running private Postfix.
type Instance struct {
	cfg    Config
	conf   string
	master int
}

var (
	liveMu sync.Mutex
	live   = map[*Instance]bool{}
)

// StopAll stops every instance started and not yet stopped (the harness
// calls it on exit and on SIGINT/SIGTERM: a Postfix master is a daemon, not
// a child the harness could reap).
func StopAll() {
	liveMu.Lock()
	var is []*Instance
	for i := range live {
		is = append(is, i)
	}
	liveMu.Unlock()
	for _, i := range is {
		i.Stop(context.Background())
	}
}

// Addr returns the SMTP address of the instance.
func (i *Instance) Addr() string { return "127.0.0.1:" + strconv.Itoa(i.cfg.SMTPPort) }

// MasterPID returns the pid of the master process; its process tree is the
// whole instance.
func (i *Instance) MasterPID() int { return i.master }

// MaillogPath returns the instance's mail log.
func (i *Instance) MaillogPath() string { return filepath.Join(i.cfg.Dir, "maillog") }

// QueueDir returns the queue directory.
func (i *Instance) QueueDir() string { return filepath.Join(i.cfg.Dir, "queue") }

// Start writes the configuration and starts the instance, returning when
// smtpd accepts connections.
func Start(ctx context.Context, cfg Config) (*Instance, error) {
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 20
	}
	if cfg.InitialConcurrency == 0 {
		cfg.InitialConcurrency = 5
	}
	if cfg.InFlowDelay == "" {
		cfg.InFlowDelay = "0s"
	}
	i := &Instance{cfg: cfg, conf: filepath.Join(cfg.Dir, "conf")}
	if err := i.prepare(); err != nil {
		return nil, err
	}
	liveMu.Lock()
	live[i] = true
	liveMu.Unlock()
	if out, err := proc.Run(ctx, "postfix", "-c", i.conf, "start"); err != nil {
		i.Stop(context.Background())
		return nil, fmt.Errorf("postfix: start: %w: %s%s", err, out, i.logTail())
	}
	if err := i.findMaster(ctx); err != nil {
		i.Stop(context.Background())
		return nil, err
	}
	if err := proc.WaitPort(ctx, i.Addr(), nil); err != nil {
		i.Stop(context.Background())
		return nil, fmt.Errorf("postfix: %w%s", err, i.logTail())
	}
	return i, nil
}

// prepare creates the directories and renders the configuration.
func (i *Instance) prepare() error {
	for _, d := range []string{i.conf, filepath.Join(i.cfg.Dir, "queue"), filepath.Join(i.cfg.Dir, "data")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("postfix: mkdir: %w", err)
		}
	}
	// The postfix user must reach its directories through this one.
	if err := os.Chmod(i.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("postfix: chmod: %w", err)
	}
	if err := traversable(i.cfg.Dir); err != nil {
		return err
	}
	u, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("postfix: the postfix user is missing (install the postfix package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(filepath.Join(i.cfg.Dir, "data"), uid, gid); err != nil {
		return fmt.Errorf("postfix: chown data: %w", err)
	}
	for _, name := range []string{"main.cf", "master.cf"} {
		if err := i.render(name); err != nil {
			return err
		}
	}
	return i.writeTransports()
}

func (i *Instance) render(name string) error {
	t, err := template.ParseFS(templates, "templates/"+name+".tmpl")
	if err != nil {
		return fmt.Errorf("postfix: template %s: %w", name, err)
	}
	f, err := os.Create(filepath.Join(i.conf, name))
	if err != nil {
		return fmt.Errorf("postfix: write %s: %w", name, err)
	}
	defer f.Close()
	if err := t.Execute(f, i.cfg); err != nil {
		return fmt.Errorf("postfix: render %s: %w", name, err)
	}
	return nil
}

func (i *Instance) writeTransports() error {
	if len(i.cfg.Transports) == 0 {
		return nil
	}
	var lines []string
	for d, t := range i.cfg.Transports {
		lines = append(lines, d+" "+t)
	}
	sort.Strings(lines)
	p := filepath.Join(i.conf, "transport")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("postfix: write transport: %w", err)
	}
	return nil
}

// findMaster reads the master's pid file.
func (i *Instance) findMaster(ctx context.Context) error {
	p := filepath.Join(i.cfg.Dir, "queue", "pid", "master.pid")
	for {
		b, err := os.ReadFile(p)
		if err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				i.master = pid
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("postfix: no master pid in %s: %w%s", p, ctx.Err(), i.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop stops the instance and waits until none of its processes is left.
func (i *Instance) Stop(ctx context.Context) error {
	liveMu.Lock()
	delete(live, i)
	liveMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := proc.Run(ctx, "postfix", "-c", i.conf, "stop")
	if i.master == 0 {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(i.tree()) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if left := i.tree(); len(left) > 0 {
		for _, s := range left {
			killPID(s.PID)
		}
		return fmt.Errorf("postfix: %d processes left after stop, killed: %v %s", len(left), err, out)
	}
	return nil
}

// tree returns the live processes of the instance: the master's tree, if
// the pid still belongs to a Postfix master (pids are reused).
func (i *Instance) tree() []proc.Stat {
	t := proc.Tree(i.master)
	if len(t) == 0 || t[0].Comm != "master" {
		return nil
	}
	return t
}

// logTail returns the end of the instance's mail log, for error messages.
func (i *Instance) logTail() string {
	b, err := os.ReadFile(filepath.Join(i.cfg.Dir, "maillog"))
	if err != nil {
		return ""
	}
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return "\nmaillog:\n" + string(b)
}

// Version returns Postfix's mail_version, or "" when it is not installed.
func Version(ctx context.Context) string {
	out, err := proc.Run(ctx, "postconf", "-d", "-h", "mail_version")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func killPID(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }

// traversable checks that every directory above dir lets others pass, as
// the postfix user must.
func traversable(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("postfix: %w", err)
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("postfix: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("postfix: %s is not searchable by others (mode %v): the postfix user cannot reach %s", d, st.Mode().Perm(), dir)
		}
		if d == "/" {
			return nil
		}
	}
}

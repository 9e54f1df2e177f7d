// Package fleettest starts real redis-server processes on 127.0.0.1 for
// tests: a single server, or a three-master Redis Cluster made with
// redis-cli --cluster create. Each is stopped when its test ends.
package fleettest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is one redis-server process.
type Server struct {
	Addr string // 127.0.0.1:port
	Port int
	dir  string
	args []string
	cmd  *exec.Cmd
}

// Need skips the test when redis-server is not installed (make test
// installs it: scripts/install-deps.sh).
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server not installed (scripts/install-deps.sh installs it)")
	}
}

// Start runs a redis-server on a free loopback port with no persistence;
// extra are more "--name value" arguments.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	Need(t)
	s := &Server{Port: freePort(t), dir: t.TempDir()}
	s.Addr = "127.0.0.1:" + strconv.Itoa(s.Port)
	s.args = append([]string{"--port", strconv.Itoa(s.Port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", filepath.Join(s.dir, "redis.log")}, extra...)
	s.run(t)
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) run(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command("redis-server", s.args...)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("fleettest: start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ping(s.Addr) == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	t.Fatalf("fleettest: redis-server on %s did not answer PING in 10 s:\n%s", s.Addr, log)
}

// Stop kills the server (as a crash would: SIGKILL) and waits for it.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Restart starts the server again on the same port (its data is gone:
// there is no persistence).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.run(t)
}

// Cluster is a Redis Cluster of three masters and no replicas.
type Cluster struct {
	Nodes []*Server
}

// Seeds are the addresses of the cluster's nodes.
func (c *Cluster) Seeds() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// StartCluster starts three cluster-enabled servers and joins them with
// redis-cli --cluster create; it returns once every slot is served.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	Need(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("redis-cli not installed (scripts/install-deps.sh installs redis-tools)")
	}
	c := &Cluster{}
	for range 3 {
		c.Nodes = append(c.Nodes, Start(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
			"--cluster-config-file", "nodes.conf"))
	}
	args := append([]string{"--cluster", "create"}, c.Seeds()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command("redis-cli", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("fleettest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		info, _ := exec.Command("redis-cli", "-p", strconv.Itoa(c.Nodes[0].Port), "cluster", "info").Output()
		if bytes.Contains(info, []byte("cluster_state:ok")) {
			return c
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("fleettest: the cluster did not reach cluster_state:ok in 15 s")
	return nil
}

func freePort(t testing.TB) int {
	t.Helper()
	// A cluster node also listens on port+10000: keep both below 65536.
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if p+10000 < 65536 {
			if bus, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p+10000)); err == nil {
				bus.Close()
				return p
			}
		}
	}
	t.Fatal("fleettest: no free port pair")
	return 0
}

func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(buf[:n]), "+PONG") {
		return fmt.Errorf("answer %q", buf[:n])
	}
	return nil
}

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal.
func openPTY(t *testing.T) (ptm, pts *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ptm, pts
}

// expect reads the terminal until it has shown want.
func expect(t *testing.T, ptm *os.File, seen *bytes.Buffer, want string) {
	t.Helper()
	ptm.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 256)
	for !strings.Contains(seen.String(), want) {
		n, err := ptm.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("waiting for %q: %v; the terminal showed %q", want, err, seen)
		}
	}
}

// echoOff waits until the program turned the terminal's echo off: the
// prompt is written just before, and typing earlier would be echoed by
// the terminal, not by the program.
func echoOff(t *testing.T, ptm *os.File) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		tio, err := unix.IoctlGetTermios(int(ptm.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the terminal's echo stayed on")
		}
	}
}

// TestHashPasswordFromATerminal types a password at the prompts on a real
// pseudo-terminal: it is not echoed, and the hash printed matches it.
func TestHashPasswordFromATerminal(t *testing.T) {
	ptm, pts := openPTY(t)
	defer ptm.Close()
	cmd := exec.Command(binPath, "hash-password")
	var stdout bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, &stdout, pts
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	var seen bytes.Buffer
	const pw = "s3cret-typed-here"
	expect(t, ptm, &seen, "Password: ")
	echoOff(t, ptm)
	io.WriteString(ptm, pw+"\r")
	expect(t, ptm, &seen, "Again: ")
	echoOff(t, ptm)
	io.WriteString(ptm, pw+"\r")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("hash-password: %v; terminal %q", err, seen.String())
	}
	ptm.SetReadDeadline(time.Now().Add(time.Second))
	rest, _ := io.ReadAll(ptm)
	seen.Write(rest)
	if strings.Contains(seen.String(), pw) {
		t.Errorf("the password was echoed: %q", seen.String())
	}
	hash := strings.TrimSpace(stdout.String())
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)); err != nil {
		t.Errorf("hash %q does not match the password typed: %v", hash, err)
	}
}

func TestHashPasswordFromAPipe(t *testing.T) {
	cmd := exec.Command(binPath, "hash-password")
	cmd.Stdin = strings.NewReader("piped\n")
	out, err := cmd.Output()
	if err != nil || bcrypt.CompareHashAndPassword(bytes.TrimSpace(out), []byte("piped")) != nil {
		t.Errorf("hash-password < pipe: %q %v", out, err)
	}
}

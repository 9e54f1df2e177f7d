package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/wasmta/wasmta/mta/config"
)

// hashPassword runs `wasmta hash-password`: from a terminal it prompts
// twice and reads without echo; from a pipe it reads one line.
func hashPassword(args []string) error {
	fs := flag.NewFlagSet("hash-password", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: wasmta hash-password < password\n\n"+
			"Prints the bcrypt hash of a password, for tenant.smtp_users. From a terminal it prompts\n"+
			"(twice) and reads without echo; otherwise it reads the first line of standard input.\n")
	}
	fs.Parse(args)
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	pw, err := readPassword()
	if err != nil {
		return fmt.Errorf("hash-password: %w", err)
	}
	h, err := config.HashPassword(pw)
	if err != nil {
		return err
	}
	fmt.Println(h)
	return nil
}

func readPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	var pw [2]string
	for i, prompt := range []string{"Password: ", "Again: "} {
		fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", fmt.Errorf("read password from the terminal: %w", err)
		}
		pw[i] = string(b)
	}
	if pw[0] != pw[1] {
		return "", errors.New("the two passwords differ")
	}
	return pw[0], nil
}

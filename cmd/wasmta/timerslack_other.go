//go:build !linux

package main

import "time"

// tuneProcess is Linux's (timerslack_linux.go): elsewhere timer_slack is
// not applied.
func tuneProcess(time.Duration) error { return nil }

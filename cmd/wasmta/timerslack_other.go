//go:build !linux

package main

import "time"

// timerSlack is Linux's (timerslack_linux.go): elsewhere timer_slack is
// not applied.
func timerSlack(time.Duration) error { return nil }

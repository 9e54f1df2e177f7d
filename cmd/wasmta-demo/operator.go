package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
	"github.com/wasmta/wasmta/mta/shaping"
)

// The operator's moves, made through the admin API exactly as the CLI
// makes them (the command line is printed with each).
type move struct {
	at   time.Duration
	what func(ctx context.Context, w *world, out io.Writer) error
}

func operatorMoves(total time.Duration) []move {
	return []move{
		{at: total * 35 / 100, what: reshapeYahoo},
		{at: total * 50 / 100, what: resumeYahoo},
	}
}

// reshapeYahoo sets every path to Yahoo under the provider's 5 messages/s
// per IP (the simulator's figure), for every tenant.
func reshapeYahoo(ctx context.Context, w *world, out io.Writer) error {
	fmt.Fprintln(out, "operator$ wasmta shape set --provider yahoo --rate 4/s --for 10m --reason \"stay under Yahoo's 5/s per IP\"")
	_, err := w.api.AddAction(ctx, admin.ActionRequest{Kind: shaping.Shape, Select: shaping.Selector{Provider: "yahoo"},
		Shape: &shaping.Override{MessagesPerSecond: 4, MessageBurst: 1}, For: shaping.Duration(10 * time.Minute),
		Reason: "stay under Yahoo's 5/s per IP"})
	return err
}

// resumeYahoo ends the suspensions the classifier put on Yahoo paths:
// the mail they held goes out at once, at the new rate.
func resumeYahoo(ctx context.Context, w *world, out io.Writer) error {
	site := w.siteOf("yahoo")
	fmt.Fprintf(out, "operator$ wasmta resume --site %s --reason \"reshaped to 4/s\"\n", site)
	gone, err := w.api.Resume(ctx, admin.ResumeRequest{Select: shaping.Selector{Site: site}, Kind: shaping.Suspend,
		Reason: "reshaped to 4/s"})
	if err == nil {
		fmt.Fprintf(out, "          %d suspension(s) ended\n", len(gone))
	}
	return err
}

func (w *world) siteOf(provider string) string {
	for site, p := range w.tally.bySite {
		if p == provider {
			return site
		}
	}
	return ""
}

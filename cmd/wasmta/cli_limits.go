package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/mta/admin"
)

// printPathLimits shows, under a site, source or provider summary, each
// path's learned limits against the policy's bounds: the preset, the
// floor and ceiling, the learned value, the value in force after live
// overrides, and why it sits there (mta/engine, limitview.go).
func printPathLimits(rows []admin.QueueRow) {
	var paths []admin.PathView
	for _, r := range rows {
		paths = append(paths, r.Paths...)
	}
	if len(paths) == 0 {
		return
	}
	fmt.Println("\nLearned limits per path (floor and ceiling: the policy's bounds; in force: after live actions)")
	w := table("PATH", "LIMIT", "PRESET", "FLOOR", "CEILING", "LEARNED", "IN FORCE", "STATE")
	for _, p := range paths {
		name := p.Source + "->" + p.Site
		for _, l := range []struct {
			name string
			v    admin.LimitView
			show func(float64) string
		}{{"connections", p.Limits.Connections, countF}, {"rate", p.Limits.Rate, perSecond},
			{"msgs/conn", p.Limits.PerConn, countF}} {
			row(w, name, l.name, l.show(l.v.Preset), l.show(l.v.Floor), l.show(l.v.Ceiling), l.show(l.v.Learned),
				l.show(l.v.InForce), limitState(l.v, l.show))
			name = ""
		}
		row(w, "", "adaptation", "", "", "", "", "", adaptation(p.Adaptation))
		if a := p.SuspendedBy; a != nil {
			row(w, "", "suspended", "", "", "", "", "", "by "+actionRef(a))
		}
	}
	w.Flush()
}

// countF shows a count limit held as a float ("4", or "none").
func countF(v float64) string { return count(int(v)) }

// limitState says where a limit sits and why: "at ceiling", "cut by
// refused 12s ago: 8 -> 5 (421 4.7.0 too many connections)", "overridden
// by shape action a1 (policy, RateLimited: ...) until 15:04:05".
func limitState(v admin.LimitView, show func(float64) string) string {
	s := strings.ReplaceAll(v.State, "_", " ")
	switch v.State {
	case "overridden":
		s += " by " + actionRef(v.Override)
	case "growing", "recovering", "slow_start", "restored", "policy", "destination_count":
		if v.Since != nil {
			s += " (since " + when(v.Since) + ")"
		}
	}
	if c := v.LastCut; c != nil && v.State != "overridden" {
		if v.State == "cut" {
			s = "cut"
		} else {
			s += "; last cut"
		}
		s += " by " + c.Signal + " " + when(&c.At) + ": " + show(c.From) + " -> " + show(c.To)
		if c.Why != "" {
			s += " (" + c.Why + ")"
		}
	}
	return s
}

func actionRef(a *admin.ActionRef) string {
	if a == nil {
		return "-"
	}
	s := a.Kind + " action " + a.ID + " (" + a.Origin
	if a.Category != "" {
		s += ", " + a.Category
	}
	return s + ": " + a.Reason + ") until " + a.Until.Local().Format(time.TimeOnly)
}

// adaptation shows the loop's parameters in force on a path.
func adaptation(a admin.Adaptation) string {
	if a.Off {
		return "off (the presets are kept)"
	}
	return fmt.Sprintf("step %d conn, %s; factor %s; quiet %s; cut on %s", a.ConnectionStep, perSecond(a.RateStep),
		strconv.FormatFloat(a.Factor, 'f', -1, 64), time.Duration(a.QuietMS)*time.Millisecond, strings.Join(a.Signals, ","))
}

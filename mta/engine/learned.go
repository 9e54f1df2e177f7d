package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wasmta/wasmta/mta/adaptive"
	"github.com/wasmta/wasmta/mta/egress"
)

// learnedNamespace is the spool aux namespace of what the paths learned
// (savedPath), keyed by "source\x00site": a few dozen bytes per path.
const learnedNamespace = "adaptive"

// learnedSaveEvery is how often the learned limits are written (and once
// more at shutdown): losing the last minute of learning to a crash costs
// little, a write per change would cost a write per throttle.
const learnedSaveEvery = 30 * time.Second

// learnedStore remembers what the paths learned across restarts.
type learnedStore struct {
	mu    sync.Mutex
	saved map[egress.PathKey]savedPath // loaded at start, taken by the paths
}

// savedPath is what a path remembers across restarts: its learned limits,
// and the addresses of its site that did not answer (tried last). A
// record written before the addresses were kept has none.
type savedPath struct {
	adaptive.Saved
	Down []egress.DownHost `json:"down,omitempty"`
}

func learnedKey(k egress.PathKey) []byte { return []byte(k.Source + "\x00" + k.Site) }

// learnedForget is the age at which a stored record has nothing left to
// give: its limits have decayed to the preset (a distance halved 24
// times, adaptive.DefaultHalfLife) and its hosts' failure counts to none
// (egress.RestoreDownHosts). Every path ever dialled writes a record, and
// only a path made again takes its record back: without this, the
// records of sites not seen since piled up in the spool, and in memory
// at each start, for good.
const learnedForget = 24 * time.Hour

// loadLearned reads the stored limits; an unreadable record, and one
// older than learnedForget, is deleted.
func (e *Engine) loadLearned() error {
	ls := &e.ctl.learned
	ls.saved = make(map[egress.PathKey]savedPath)
	var stale [][]byte
	now := time.Now()
	err := e.spool.ScanAux(learnedNamespace, nil, func(k, v []byte) error {
		src, site, ok := strings.Cut(string(k), "\x00")
		var s savedPath
		if err := json.Unmarshal(v, &s); !ok || err != nil {
			e.log.Warn("learned limits unreadable; dropped", "key", string(k), "err", err)
			stale = append(stale, k)
			return nil
		}
		if now.Sub(s.At) > learnedForget {
			stale = append(stale, k)
			return nil
		}
		ls.saved[egress.PathKey{Source: src, Site: site}] = s
		return nil
	})
	if err != nil {
		return fmt.Errorf("engine: load learned limits: %w", err)
	}
	for _, k := range stale {
		if err := e.spool.DeleteAux(learnedNamespace, k, false); err != nil {
			return fmt.Errorf("engine: forget old learned limits: %w", err)
		}
	}
	return nil
}

// restoreLearned gives a new path what it learned before the restart,
// decayed toward its preset, and the addresses that did not answer.
func (e *Engine) restoreLearned(p *egress.Path) {
	ls := &e.ctl.learned
	ls.mu.Lock()
	s, ok := ls.saved[p.Key]
	delete(ls.saved, p.Key)
	ls.mu.Unlock()
	if ok {
		p.Restore(s.Saved, adaptive.DefaultHalfLife)
		p.RestoreDownHosts(s.Down, s.At, time.Now())
	}
}

// saveLearned writes what every path learned, unsynced: it is a hint,
// not a message.
func (e *Engine) saveLearned() {
	for _, p := range e.ready.Paths() {
		b, err := json.Marshal(savedPath{Saved: p.Snapshot(), Down: p.DownHosts()})
		if err == nil {
			err = e.spool.PutAux(learnedNamespace, learnedKey(p.Key), b, false)
		}
		if err != nil {
			e.log.Warn("store learned limits", "path", p.Key.String(), "err", err)
			return
		}
	}
}

// runLearnedSaver writes the learned limits every learnedSaveEvery until
// the engine stops.
func (e *Engine) runLearnedSaver() { e.every(learnedSaveEvery, e.saveLearned) }

// every calls fn every d until the engine stops.
func (e *Engine) every(d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// PathLimits are a path's configured limits (the shape hook's) beside the
// ones it learned, before live overrides; rates are messages per second
// over all its connections, messages per connection a count per session,
// 0 = no limit.
type PathLimits struct {
	ConfiguredConnections int
	LearnedConnections    int
	ConfiguredRate        float64
	LearnedRate           float64
	ConfiguredPerConn     int
	LearnedPerConn        int
}

func limitsOf(p *egress.Path) PathLimits {
	c, l := p.Limits()
	return PathLimits{ConfiguredConnections: c.Conns, LearnedConnections: l.Conns,
		ConfiguredRate: c.Rate, LearnedRate: l.Rate, ConfiguredPerConn: c.PerConn, LearnedPerConn: l.PerConn}
}

// plus adds the limits of another path (a site row over several sources):
// connections add up, and a rate is unlimited when either is; messages
// per connection, a count per session, do not add up: the row shows the
// larger, unlimited when either is.
func (l PathLimits) plus(o PathLimits) PathLimits {
	sum := func(a, b float64) float64 {
		if a == 0 || b == 0 {
			return 0
		}
		return a + b
	}
	larger := func(a, b int) int {
		if a == 0 || b == 0 {
			return 0
		}
		return max(a, b)
	}
	return PathLimits{ConfiguredConnections: l.ConfiguredConnections + o.ConfiguredConnections,
		LearnedConnections: l.LearnedConnections + o.LearnedConnections,
		ConfiguredRate:     sum(l.ConfiguredRate, o.ConfiguredRate), LearnedRate: sum(l.LearnedRate, o.LearnedRate),
		ConfiguredPerConn: larger(l.ConfiguredPerConn, o.ConfiguredPerConn), LearnedPerConn: larger(l.LearnedPerConn, o.LearnedPerConn)}
}

package fleet

import (
	"context"
	"encoding/json"

	"github.com/wasmta/wasmta/mta/reputation"
)

// ShareReputation publishes the node's reputation windows and gives the
// tracker the other nodes', at every full sync (every fifth heartbeat):
// the counts select_pool reads are the fleet's, at most that old. Each
// node's entry expires after three node TTLs, so a gone node's counts
// leave the sum. Call it before Start.
func (f *Fleet) ShareReputation(t *reputation.Tracker) {
	f.addSyncer(syncer{name: "reputation", pull: func(ctx context.Context) error { return f.syncReputation(ctx, t) }})
}

func (f *Fleet) syncReputation(ctx context.Context, t *reputation.Tracker) error {
	own, _ := json.Marshal(t.Own())
	p := f.rdb.Pipeline()
	p.Set(ctx, keyRepPfx+f.node, own, 3*f.cfg.NodeTTL)
	all := p.HKeys(ctx, keyNodes)
	if _, err := p.Exec(ctx); err != nil {
		return err
	}
	var keys []string
	for _, n := range all.Val() {
		if n != f.node {
			keys = append(keys, keyRepPfx+n)
		}
	}
	if len(keys) == 0 {
		t.SetOthers(nil)
		return nil
	}
	vals, err := f.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return err
	}
	var others []reputation.Window
	for _, v := range vals {
		s, ok := v.(string)
		if !ok {
			continue
		}
		var ws []reputation.Window
		if json.Unmarshal([]byte(s), &ws) == nil {
			others = append(others, ws...)
		}
	}
	t.SetOthers(others)
	return nil
}

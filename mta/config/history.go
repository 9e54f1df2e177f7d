package config

import "time"

// History is the [history] section: the index of records by message id,
// recipient and campaign behind `wasmta message trace` and the dashboard's
// search (mta/history).
type History struct {
	Enabled   bool          // enabled: false keeps no index (records still go to the file)
	Retention time.Duration // retention: how long a record stays findable; at least 1h
}

func readHistory(t *table, h *History) {
	t.boolean("enabled", &h.Enabled)
	t.duration("retention", &h.Retention, time.Hour)
}

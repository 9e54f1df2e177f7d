package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/spool"
	"github.com/wasmta/wasmta/mta/webhook"
)

// Queues is what the queue gauges read at scrape time (the engine).
type Queues interface {
	ScheduledByTenant() map[string]int
	PathsInfo() []engine.PathInfo
}

// Spool is what the spool gauges read (spool.Store).
type Spool interface{ Stats() spool.Stats }

// Webhooks is what the webhook gauges read (webhook.Outbox).
type Webhooks interface{ Stats() []webhook.Stats }

// Watch registers the gauges of the queues, the spool and the webhooks;
// any of them may be nil.
func (m *Metrics) Watch(q Queues, sp Spool, wh Webhooks) {
	m.reg.MustRegister(&scrape{q: q, sp: sp, wh: wh})
}

var (
	descScheduled    = prometheus.NewDesc("wasmta_queue_scheduled", "Items (a message's recipients of one domain) waiting in the scheduled queues.", []string{"tenant"}, nil)
	descReady        = prometheus.NewDesc("wasmta_queue_ready", "Transactions waiting in the ready queue of an egress path.", []string{"source", "site", "provider"}, nil)
	descConns        = prometheus.NewDesc("wasmta_connections", "Open delivery connections of an egress path.", []string{"source", "site", "provider"}, nil)
	descSuspended    = prometheus.NewDesc("wasmta_path_suspended", "1 while an egress path is suspended.", []string{"source", "site", "provider"}, nil)
	descConnLimit    = prometheus.NewDesc("wasmta_path_connection_limit", "Connection limit of an egress path: configured (the shape hook's), floor and ceiling (the policy's bounds), learned (before live overrides) or in_force (after them).", []string{"source", "site", "provider", "limit"}, nil)
	descPerConnLimit = prometheus.NewDesc("wasmta_path_messages_per_connection_limit", "Messages per connection of an egress path (0 = no limit): configured (the shape hook's), floor and ceiling (the policy's bounds; ceiling 0 = none), learned (before live overrides) or in_force (after them).", []string{"source", "site", "provider", "limit"}, nil)
	descRateLimit    = prometheus.NewDesc("wasmta_path_rate_limit", "Message rate limit of an egress path in messages per second (0 = no limit): configured (the shape hook's), floor and ceiling (the policy's bounds; ceiling 0 = none), learned (before live overrides) or in_force (after them).", []string{"source", "site", "provider", "limit"}, nil)
	descLimitState   = prometheus.NewDesc("wasmta_path_limit_state", "1 for the state a learned limit of an egress path is in (growing, slow_start, recovering, cut, at_ceiling, at_floor, overridden, ...; docs/shaping.md); one series per path and limit.", []string{"source", "site", "provider", "limit", "state"}, nil)
	descLastCut      = prometheus.NewDesc("wasmta_path_limit_last_cut_timestamp_seconds", "When a throttling signal last cut a learned limit of an egress path (Unix time), labelled with the signal; absent until the first cut.", []string{"source", "site", "provider", "limit", "signal"}, nil)
	descDisk         = prometheus.NewDesc("wasmta_spool_disk_bytes", "Bytes of the spool's files.", nil, nil)
	descFree         = prometheus.NewDesc("wasmta_spool_free_bytes", "Free bytes on the spool's filesystem at the last check.", nil, nil)
	descFull         = prometheus.NewDesc("wasmta_spool_full", "1 while reception refuses mail because the disk is full.", nil, nil)
	descPuts         = prometheus.NewDesc("wasmta_spool_puts_total", "Messages written to the spool.", nil, nil)
	descPutLat       = prometheus.NewDesc("wasmta_spool_put_seconds", "Mean time a spool write waited for its synced commit, since start.", nil, nil)
	descSyncs        = prometheus.NewDesc("wasmta_spool_wal_syncs_total", "WAL fsyncs of the spool.", nil, nil)
	descSyncLat      = prometheus.NewDesc("wasmta_spool_wal_sync_seconds", "Mean WAL fsync latency, since start.", nil, nil)
	descLost         = prometheus.NewDesc("wasmta_spool_lost_messages", "Acknowledged messages the last start found missing from the spool (0 when none; see docs/operations.md, Spool damage).", nil, nil)
	descQuar         = prometheus.NewDesc("wasmta_spool_quarantined_total", "Messages moved to the spool's quarantine because their stored data is damaged, since start.", nil, nil)
	descCorrupt      = prometheus.NewDesc("wasmta_spool_corruptions_total", "Spool reads that met damaged data (a block failing its checksum), since start.", nil, nil)
	descBacklog      = prometheus.NewDesc("wasmta_webhook_backlog", "Records in a webhook's outbox not yet acknowledged.", []string{"webhook"}, nil)
	descWHSent       = prometheus.NewDesc("wasmta_webhook_delivered_total", "Records a webhook's receiver acknowledged, since start.", []string{"webhook"}, nil)
	descWHFail       = prometheus.NewDesc("wasmta_webhook_failures_total", "Webhook POSTs that failed (no answer or not 2xx), since start.", []string{"webhook"}, nil)
)

// scrape is an unchecked collector: its label values change with the
// queues, so it describes nothing up front.
type scrape struct {
	q  Queues
	sp Spool
	wh Webhooks
}

func (s *scrape) Describe(chan<- *prometheus.Desc) {}

func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	if s.q != nil {
		for tenant, n := range s.q.ScheduledByTenant() {
			gauge(descScheduled, float64(n), tenant)
		}
		for _, p := range s.q.PathsInfo() {
			gauge(descReady, float64(p.Ready), p.Source, p.Site, p.Provider)
			gauge(descConns, float64(p.Connections), p.Source, p.Site, p.Provider)
			gauge(descSuspended, boolValue(!p.Suspended.IsZero()), p.Source, p.Site, p.Provider)
			gauge(descConnLimit, float64(p.ConfiguredConnections), p.Source, p.Site, p.Provider, "configured")
			gauge(descConnLimit, float64(p.LearnedConnections), p.Source, p.Site, p.Provider, "learned")
			gauge(descRateLimit, p.ConfiguredRate, p.Source, p.Site, p.Provider, "configured")
			gauge(descRateLimit, p.LearnedRate, p.Source, p.Site, p.Provider, "learned")
			gauge(descPerConnLimit, float64(p.ConfiguredPerConn), p.Source, p.Site, p.Provider, "configured")
			gauge(descPerConnLimit, float64(p.LearnedPerConn), p.Source, p.Site, p.Provider, "learned")
			for _, l := range p.Status.Limits {
				d := map[string]*prometheus.Desc{"connections": descConnLimit, "rate": descRateLimit,
					"messages_per_connection": descPerConnLimit}[l.Limit]
				gauge(d, l.Floor, p.Source, p.Site, p.Provider, "floor")
				gauge(d, l.Ceiling, p.Source, p.Site, p.Provider, "ceiling")
				gauge(d, l.InForce, p.Source, p.Site, p.Provider, "in_force")
				gauge(descLimitState, 1, p.Source, p.Site, p.Provider, l.Limit, l.State)
				if c := l.LastCut; c != nil {
					gauge(descLastCut, float64(c.At.UnixMilli())/1e3, p.Source, p.Site, p.Provider, l.Limit, c.Signal)
				}
			}
		}
	}
	if s.sp != nil {
		st := s.sp.Stats()
		gauge(descDisk, float64(st.DiskBytes))
		gauge(descFree, float64(st.FreeBytes))
		gauge(descFull, boolValue(st.Full))
		counter(descPuts, float64(st.Puts))
		gauge(descPutLat, st.PutLatency.Seconds())
		counter(descSyncs, float64(st.WALSyncs))
		gauge(descSyncLat, st.WALSync.Seconds())
		gauge(descLost, float64(st.Lost))
		counter(descQuar, float64(st.Quarantined))
		counter(descCorrupt, float64(st.Corruptions))
	}
	if s.wh != nil {
		for _, w := range s.wh.Stats() {
			gauge(descBacklog, float64(w.Backlog), w.Name)
			counter(descWHSent, float64(w.Delivered), w.Name)
			counter(descWHFail, float64(w.Failures), w.Name)
		}
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

package reputation

import "github.com/prometheus/client_golang/prometheus"

var desc = prometheus.NewDesc("wasmta_reputation",
	"What happened to a tenant's mail over a sliding window (window = 1h, 24h): event = deliveries, bounces, hard_bounces, oob_bounces, complaints; scope = tenant (all its mail), campaign, pool.",
	[]string{"scope", "tenant", "campaign", "pool", "window", "event"}, nil)

// Describe implements prometheus.Collector.
func (t *Tracker) Describe(ch chan<- *prometheus.Desc) { ch <- desc }

// Collect implements prometheus.Collector.
func (t *Tracker) Collect(ch chan<- prometheus.Metric) {
	for k, w := range t.snapshot() {
		for i, window := range []string{"1h", "24h"} {
			c := w[i]
			for _, ev := range []struct {
				name string
				n    int64
			}{{"deliveries", c.Deliveries}, {"bounces", c.Bounces}, {"hard_bounces", c.HardBounces},
				{"oob_bounces", c.OOBBounces}, {"complaints", c.Complaints}} {
				ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(ev.n),
					k.Scope, k.Tenant, k.Campaign, k.Pool, window, ev.name)
			}
		}
	}
}

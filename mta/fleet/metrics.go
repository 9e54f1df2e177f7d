package fleet

import "github.com/prometheus/client_golang/prometheus"

var (
	descUp      = prometheus.NewDesc("wasmta_fleet_redis_up", "1 while the last Redis operation of the fleet succeeded.", nil, nil)
	descOutages = prometheus.NewDesc("wasmta_fleet_redis_outages_total", "Times Redis went from reachable to unreachable.", nil, nil)
	descTrips   = prometheus.NewDesc("wasmta_fleet_redis_round_trips_total", "Round trips to Redis (a pipeline counts one).", nil, nil)
	descLive    = prometheus.NewDesc("wasmta_fleet_live_nodes", "Live nodes of the fleet at the last heartbeat, this one included.", nil, nil)
	descPending = prometheus.NewDesc("wasmta_fleet_pending_changes", "Local changes (actions, suppression entries) not yet written to Redis.", nil, nil)
)

// Describe implements prometheus.Collector.
func (f *Fleet) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descOutages, descTrips, descLive, descPending} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (f *Fleet) Collect(ch chan<- prometheus.Metric) {
	up := 0.0
	if f.Up() {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up)
	ch <- prometheus.MustNewConstMetric(descOutages, prometheus.CounterValue, float64(f.outages.Load()))
	ch <- prometheus.MustNewConstMetric(descTrips, prometheus.CounterValue, float64(f.trips.Load()))
	ch <- prometheus.MustNewConstMetric(descLive, prometheus.GaugeValue, float64(f.LiveNodes()))
	ch <- prometheus.MustNewConstMetric(descPending, prometheus.GaugeValue, float64(f.Pending()))
}

// Pending is the number of local changes waiting to be written to Redis.
func (f *Fleet) Pending() int {
	n := 0
	if s := f.actions; s != nil {
		s.mu.Lock()
		n += len(s.pending)
		s.mu.Unlock()
	}
	f.mu.Lock()
	sup := f.suppress
	f.mu.Unlock()
	if sup != nil {
		sup.mu.Lock()
		n += len(sup.pending)
		sup.mu.Unlock()
	}
	return n
}

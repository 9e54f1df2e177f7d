package scenario

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/bench/internal/result"
	"github.com/wasmta/wasmta/internal/providersim"
)

// delivery is one delivery read from an MTA's log: the recipient and the
// time the message had spent in that MTA's queue.
type delivery struct {
	rcpt string // lower case
	qt   time.Duration
}

// byDomain groups deliveries by recipient domain, in log order.
func byDomain(ds []delivery) map[string][]delivery {
	out := map[string][]delivery{}
	for _, d := range ds {
		dom := domainOf(d.rcpt)
		out[dom] = append(out[dom], d)
	}
	return out
}

// queueTimes keeps only the queue times, by recipient domain.
func queueTimes(ds map[string][]delivery) map[string][]time.Duration {
	out := map[string][]time.Duration{}
	for dom, l := range ds {
		for _, d := range l {
			out[dom] = append(out[dom], d.qt)
		}
	}
	return out
}

// wasmtaQueueTimes reads the queue time of every Delivery record, by
// recipient domain.
func wasmtaQueueTimes(path string) (map[string][]time.Duration, error) {
	ds, err := wasmtaDeliveries(path)
	return queueTimes(ds), err
}

// wasmtaDeliveries reads every Delivery record, by recipient domain.
func wasmtaDeliveries(path string) (map[string][]delivery, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: wasmta records: %w", err)
	}
	defer f.Close()
	var out []delivery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var r struct {
			Type      string  `json:"type"`
			Recipient string  `json:"recipient"`
			QueueTime float64 `json:"queue_time"`
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil || r.Type != "Delivery" {
			continue
		}
		out = append(out, delivery{strings.ToLower(strings.Trim(r.Recipient, "<>")),
			time.Duration(r.QueueTime * float64(time.Second))})
	}
	return byDomain(out), sc.Err()
}

// sentLine matches a Postfix delivery log line: the recipient and the
// total delay since the message arrived.
var sentLine = regexp.MustCompile(`to=<([^>@]*@[^>]+)>.* delay=([0-9.]+),.* status=sent`)

// postfixQueueTimes reads the delay= of every status=sent line of a
// Postfix mail log, by recipient domain.
func postfixQueueTimes(path string) (map[string][]time.Duration, error) {
	ds, err := postfixDeliveries(path)
	return queueTimes(ds), err
}

// postfixDeliveries reads every status=sent line of a Postfix mail log.
func postfixDeliveries(path string) (map[string][]delivery, error) {
	// postlogd writes asynchronously; give the last lines a moment.
	time.Sleep(500 * time.Millisecond)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: postfix maillog: %w", err)
	}
	return parsePostfixDeliveries(string(b)), nil
}

func parsePostfixLog(log string) map[string][]time.Duration {
	return queueTimes(parsePostfixDeliveries(log))
}

func parsePostfixDeliveries(log string) map[string][]delivery {
	var out []delivery
	for _, line := range strings.Split(log, "\n") {
		m := sentLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			continue
		}
		out = append(out, delivery{strings.ToLower(m[1]), time.Duration(s * float64(time.Second))})
	}
	return byDomain(out)
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(strings.Trim(addr, "<>"), "@")
	return strings.ToLower(d)
}

// recordMix adds one row per provider: delivered, queue times, replies.
func recordMix(sc *result.Scenario, sys string, sim *providersim.Sim, qt map[string][]time.Duration, per int) {
	stats := sim.Stats()
	for _, m := range providerMix {
		var times []time.Duration
		for _, r := range sim.Domains() {
			if r.Provider == m.preset {
				times = append(times, qt[r.Domain]...)
			}
		}
		slices.Sort(times)
		st := stats[m.preset].Total
		row := sc.Row(sys, m.preset)
		row.Add("delivered", "msg", result.Higher, float64(st.Messages))
		row.Add("queue_avg_s", "s", result.Lower, result.Mean(times).Seconds())
		row.Add("queue_p99_s", "s", result.Lower, result.Percentile(times, 99).Seconds())
		row.Add("throttled", "replies", result.Lower, float64(st.Throttled+st.ConnsRefused+st.MsgsPerConn))
		row.Add("temp_failures", "replies", "", float64(st.TempFailures))
		row.Add("conns_peak", "connections", "", float64(st.ConnsPeak))
		row.Add("not_delivered", "msg", result.Lower, float64(max(int64(per)-st.Messages, 0)))
	}
}

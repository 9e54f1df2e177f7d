#!/usr/bin/env python3
"""Where a provider's first seconds go in one run of the blind provider mix.

Usage: scripts/blind-deficit.py KEEPDIR RESULTS.json [SECONDS]

KEEPDIR is the temporary directory `wasmta-bench run --scenarios blind --keep`
left (wasmta's records.jsonl and the sampled limits.tsv), RESULTS.json that
run's results file (the drawn limits). For each provider it prints wasmta's
deliveries counted at times from the burst's start against a sender at exactly
the drawn limits from the moment wasmta accepted each message (section 21 of
docs/benchmarks.md: the destination's bucket full at the start, one second of
its rate deep, then its rate; its connection limit, each message taking the
simulator's mean time on an open connection; the halving provider's limits
halved 30 s after its first message), the difference ("behind": messages that
sender had delivered and wasmta had not), both averages over the delivered
messages, the learned rate and connection limit per sampled second (the first
SECONDS, default 12), and the 4xx replies of the first 10 s.

A destination whose token bucket is full refuses nothing and drops the credit
it cannot hold: a message a sender did not send while the bucket was full is
never made up, and every later message of a backlogged path waits 1/rate
longer for it. So "behind" after the first seconds is what the start cost the
rest of the run, in messages; divided by the rate, in seconds per message.

It reads what the harness already writes; it is an analysis aid, not part of
the benchmark's goals. The mean times per message are those of
internal/providersim's presets (MAIL, RCPT, end of DATA, fixed plus half the
jitter, and 5 ms), as bench/internal/scenario/blind_world.go's perMessage.
"""
import collections
import datetime
import glob
import heapq
import json
import sys

SITE = {
    "gmail-smtp-in.l.google.com": "gmail",
    "mta5.am0.yahoodns.net": "yahoo",
    "hotmail-com.olc.protection.outlook.com": "microsoft",
    "mx01.mail.icloud.com": "apple",
    "mx1.mail.example-isp.test": "exim",
}
PER_MSG = {"gmail": .490, "yahoo": .520, "microsoft": .525, "apple": .425, "exim": .039}
HALVES = {"microsoft"}
HALVE_AFTER = 30.0
AT = [0.5, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 40, 60, 90]


def ts(s):
    s = s.rstrip("Z")
    a, _, b = s.partition(".")
    return datetime.datetime.fromisoformat(a).replace(tzinfo=datetime.timezone.utc).timestamp() + float("0." + (b or "0"))


def world(results):
    j = json.load(open(results))
    sc = j["scenarios"][0] if isinstance(j["scenarios"], list) else j["scenarios"]
    out = {}
    for r in sc["rows"]:
        if r["system"].startswith("simulator"):
            out[r["case"]] = {m["name"]: m["median"] for m in r["metrics"]}
    return out, sc.get("load_avg")


def at_limits(acc, rate, conns, per, halves):
    """Delivery times of a sender at exactly the limits, messages accepted at acc."""
    burst = max(1, round(rate))
    tokens, last, free, out, halved = burst, acc[0], [acc[0]] * conns, [], False
    for a in acc:
        t = max(a, free[0])
        if halves and not halved and t >= acc[0] + HALVE_AFTER:
            halved, rate = True, round(rate / 2, 2)
            burst = max(1, round(rate))
            tokens = min(tokens, burst)
            free = sorted(free)[: max(1, (conns + 1) // 2)]
            heapq.heapify(free)
            t = max(a, free[0])
        tokens = min(burst, tokens + (t - last) * rate)
        last = t
        if tokens < 1:
            t += (1 - tokens) / rate
            tokens, last = 1, t
        tokens -= 1
        s = max(heapq.heappop(free), t)
        heapq.heappush(free, s + per)
        out.append(s + per)
    return out


def main():
    keep, results = sys.argv[1], sys.argv[2]
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    w, load = world(results)
    recv, dl, tf = {}, collections.defaultdict(list), collections.defaultdict(list)
    for f in glob.glob(keep + "/*-wasmta/spool/records.jsonl"):
        for line in open(f):
            r = json.loads(line)
            t = ts(r["time"])
            if r["type"] == "Reception":
                recv[r["id"]] = t
            elif r["type"] == "Delivery" and r.get("site") in SITE:
                dl[SITE[r["site"]]].append((t, r["id"]))
            elif r["type"] == "TransientFailure" and r.get("site") in SITE:
                tf[SITE[r["site"]]].append(t)
    t0 = min(recv.values())
    lim = collections.defaultdict(list)
    for line in open(keep + "/limits.tsv"):
        f = line.rstrip("\n").split("\t")
        if len(f) == 5 and f[2] == "learned" and f[3] in SITE:
            lim[(SITE[f[3]], f[1])].append((float(f[0]), float(f[4])))
    print("load average at the start:", load)
    for name in ["gmail", "yahoo", "microsoft", "apple", "exim"]:
        if name not in w or not dl[name]:
            continue
        d = w[name]
        ds = sorted(dl[name])
        acc = sorted(recv[i] for _, i in ds)
        qt = [t - recv[i] for t, i in ds]
        ideal = at_limits(acc, d["drawn_rate"], int(d["drawn_conns"]), PER_MSG[name], name in HALVES)
        iq = [x - a for x, a in zip(ideal, acc)]
        n = len(ds)
        print(f"\n{name}: drawn {d['drawn_conns']:.0f} connections, {d['drawn_rate']} msg/s; preset "
              f"{d['preset_conns']:.0f}, {d['preset_rate']}; {n} delivered, accepted by {acc[-1] - t0:.1f} s; "
              f"average queue time {sum(qt) / n:.2f} s, at the limits {sum(iq) / n:.2f} s")
        got = sorted(t for t, _ in ds)
        row = []
        for s in AT:
            a = sum(1 for t in got if t - t0 <= s)
            b = sum(1 for t in ideal if t - t0 <= s)
            row.append(f"{s:g}s {a}/{b} ({b - a:+d})")
        print("  delivered / at the limits (behind):", "; ".join(row))
        for k, label in (("wasmta_path_rate_limit", "rate"), ("wasmta_path_connection_limit", "connections")):
            print(f"  learned {label}:", " ".join(f"{t:.0f}:{v:.3g}" for t, v in lim[(name, k)][:first]))
        print("  4xx in the first 10 s:", " ".join(f"{t - t0:.2f}" for t in tf[name] if t - t0 < 10))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Per-message counts of a callgrind run of BenchmarkMessageCount, by part.

    policy-split.py CALLGRIND_OUT PERF_MAP N

CALLGRIND_OUT: callgrind with --dump-instr=yes --compress-pos=no
--compress-strings=no (scripts/policy-split.sh). PERF_MAP: wazero's perf
map (perfmap build tag) of a run that compiled the same module; its
addresses are shifted to the counted run's base, the shift that puts the
most of callgrind's unnamed functions (named by their entry address) on a
function start. N: the messages counted. Figures are per message:
instructions (Ir), L1 instruction misses (I1mr), and last-level misses of
code (ILmr: the cache lines of code a cold message runs) and data (DLmr).
"""
import bisect
import collections
import re
import sys

cg, pm, n = sys.argv[1], sys.argv[2], int(sys.argv[3])

# The perf map: one entry per block of a compiled function, "[index/count].name:::::Lk".
ranges = []
for line in open(pm):
    a, s, name = line.rstrip('\n').split(' ', 2)
    m = re.match(r'\[(\d+)/(\d+)\]\.?(.*?)(:::::L\d+)?$', name)
    if m:
        ranges.append((int(a, 16), int(s, 16), int(m.group(1)), int(m.group(2)), m.group(3)))
# The module of the counted language is the one with the most functions.
big = max(r[3] for r in ranges)
ranges = sorted(r for r in ranges if r[3] == big)
first = {}
for r in ranges:
    if r[2] not in first or r[0] < first[r[2]][0]:
        first[r[2]] = r

npos, events = 1, None
fnaddrs = set()
for line in open(cg):
    if line.startswith('fn=0x'):
        fnaddrs.add(int(line[3:], 16))
hist = collections.Counter(a - r[0] for a in fnaddrs for r in first.values())
shift, hits = hist.most_common(1)[0]
ranges = [(a + shift, s, i, c, nm) for a, s, i, c, nm in ranges]
starts = [r[0] for r in ranges]
print('perf map shifted by %#x: %d of %d unnamed functions on a function start' % (shift, hits, len(fnaddrs)))
if hits < 0.8 * len(fnaddrs):
    print('warning: few functions matched; a perf map written while the run was cut short?')


def guest(addr):
    i = bisect.bisect_right(starts, addr) - 1
    if i >= 0 and addr < ranges[i][0] + ranges[i][1]:
        return ranges[i][4]
    return None


cost = collections.defaultdict(lambda: None)
fn, skip = '?', False
for line in open(cg):
    if line.startswith('positions:'):
        npos = len(line.split()) - 1
    elif line.startswith('events:'):
        events = line.split()[1:]
    elif line.startswith('fn='):
        fn = line[3:].strip()
    elif line.startswith('calls='):
        skip = True  # the next line is the call's inclusive cost
    elif line[:2] == '0x' or line[:1].isdigit():
        if skip:
            skip = False
            continue
        parts = line.split()
        addr = int(parts[0], 16) if parts[0].startswith('0x') else int(parts[0])
        g = guest(addr)
        key = ('guest', g) if g else ('host', fn)
        if cost[key] is None:
            cost[key] = [0] * len(events)
        for i, v in enumerate(parts[npos:]):
            cost[key][i] += int(v)

cols = ['Ir', 'I1mr', 'ILmr', 'DLmr']
idx = {e: i for i, e in enumerate(events)}
SDK = 'github.com_wasmta_wasmta_sdk_go_wasmta.'
READ = {'begin', '__reader_.unpack', 'unpacker.unpack', '__reader_.inputs', 'hostGet', '__reader_.fetch',
        'decodeReputation', 'list', 'meta', 'decodePools', 'unpacker.rcpt', 'unpacker.pool', '__reader_.newChunk'}


def part(kind, name):
    if kind == 'host':
        if 'wasmta/hostabi' in name:
            return 'host: hostabi'
        if 'wazero' in name:
            return 'host: wazero'
        if name.startswith('runtime.') or name.startswith('internal/'):
            return "host: Go runtime"
        return 'host: other (trampolines, the benchmark loop, library code)'
    if name.startswith('main.') or name == SDK + 'ppm':
        return 'guest: the policy (main.*, the SDK\'s ppm)'
    if name.startswith(SDK + '__writer_'):
        return 'guest: SDK, writing results'
    if name.startswith(SDK) and name[len(SDK):] in READ or name == 'runtime.memmove':
        return 'guest: SDK, reading inputs (and its memmove)'
    if name.startswith(SDK):
        return 'guest: SDK, call path (exports, end)'
    if name in ('on_rcpt', 'select_pool', 'on_mail_from', 'on_message', 'route', 'shape', 'classify'):
        return 'guest: Go runtime, //go:wasmexport wrappers'
    if name.startswith('runtime.') or name.startswith('internal_'):
        return 'guest: Go runtime, allocation and the rest'
    return 'guest: other'


def show(title, rows, limit=None):
    print('\n%s\n%8s %6s %6s %6s  %s' % (title, *cols, ''))
    tot = [0] * 4
    for name, c in sorted(rows.items(), key=lambda kv: (-kv[1][idx['ILmr']], -kv[1][idx['Ir']]))[:limit]:
        v = [c[idx[x]] / n for x in cols]
        tot = [a + b for a, b in zip(tot, v)]
        if v[0] >= 1:
            print('%8.0f %6.0f %6.0f %6.0f  %s' % (*v, name))
    if limit is None:
        print('%8.0f %6.0f %6.0f %6.0f  total' % tuple(tot))


def add(rows, key, c):
    if key not in rows:
        rows[key] = [0] * len(c)
    for i, v in enumerate(c):
        rows[key][i] += v


parts, funcs = {}, {}
for (kind, name), c in cost.items():
    add(parts, part(kind, name), c)
    if kind == 'guest':
        add(funcs, name.replace(SDK, 'sdk.'), c)
show('by part', parts)
show('guest functions', funcs, 25)

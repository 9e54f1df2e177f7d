package hostabi

import (
	"math"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// resultDef describes one result key of ABI.md section 3.
type resultDef struct {
	key      string
	kind     valueKind
	hooks    hookSet
	check    func(string) error  // str and list values
	lo, hi   int64               // int values
	checkF   func(float64) error // float values
	maxItems int                 // list values
}

var kindNames = [...]string{kindStr: "string", kindInt: "int", kindList: "list", kindFloat: "float"}

func strDef(key string, hooks hookSet, check func(string) error) *resultDef {
	return &resultDef{key: key, kind: kindStr, hooks: hooks, check: check}
}

func intDef(key string, hooks hookSet, lo, hi int64) *resultDef {
	return &resultDef{key: key, kind: kindInt, hooks: hooks, lo: lo, hi: hi}
}

func floatDef(key string, hooks hookSet, check func(float64) error) *resultDef {
	return &resultDef{key: key, kind: kindFloat, hooks: hooks, checkF: check}
}

const (
	day         = 86400000 // ms
	hour        = 3600000  // ms
	setTenantIn = hookSet(1<<hookMailFrom | 1<<hookMessage)
	shapeIn     = hookSet(1 << hookShape)
	classifyIn  = hookSet(1 << hookClassify)
)

// resultDefs are the fixed result keys; meta.NAME and header.NAME are the
// families metaDef and headerDef.
var resultDefs = map[string]*resultDef{}

var (
	metaDef   = strDef("meta.", setTenantIn, checkLine(1024))
	headerDef = &resultDef{key: "header.", kind: kindList, hooks: hookMessage.bit(),
		check: checkLine(maxValueLen), maxItems: maxListItems}
)

func init() {
	defs := []*resultDef{
		intDef("reject.code", receptionHooks, 400, 599),
		strDef("reject.enhanced", receptionHooks, checkEnhanced),
		strDef("reject.text", receptionHooks, checkLine(512)),
		strDef("tenant", setTenantIn, checkName),
		strDef("campaign", setTenantIn, checkName),
		strDef("dkim", hookMessage.bit(), checkDKIM),
		strDef("mx_domain", hookRoute.bit(), checkDomain),
		{key: "host", kind: kindList, hooks: hookRoute.bit(), check: checkHost, maxItems: maxHosts},
		strDef("pool", hookSelectPool.bit(), checkName),
		intDef("max_connections", shapeIn|classifyIn, 0, 10000),
		floatDef("messages_per_second", shapeIn, checkRange(0, 1e6)),
		intDef("message_burst", shapeIn, 0, 1e6),
		floatDef("connections_per_second", shapeIn, checkRange(0, 1e6)),
		intDef("messages_per_connection", shapeIn, 0, 1e6),
		intDef("idle_timeout_ms", shapeIn, 0, hour),
		strDef("tls", shapeIn, checkEnum(tlsModes)),
		strDef("tls_policy", shapeIn, checkEnum(tlsPolicies)),
		intDef("retry_initial_ms", shapeIn, 0, 7*day),
		intDef("retry_max_ms", shapeIn, 0, 30*day),
		intDef("max_age_ms", shapeIn, 0, 30*day),
		intDef("connect_timeout_ms", shapeIn, 0, hour),
		intDef("command_timeout_ms", shapeIn, 0, hour),
		intDef("data_timeout_ms", shapeIn, 0, hour),
		intDef("adapt_off", shapeIn, 0, 1),
		intDef("adapt_min_connections", shapeIn, 0, 10000),
		intDef("adapt_max_connections", shapeIn, 0, 10000),
		floatDef("adapt_min_rate", shapeIn, checkRange(0, 1e6)),
		floatDef("adapt_max_rate", shapeIn, checkRange(0, 1e6)),
		intDef("adapt_connection_step", shapeIn, 0, 10000),
		floatDef("adapt_rate_step", shapeIn, checkRange(0, 1e6)),
		floatDef("adapt_factor", shapeIn, checkRateFactor),
		intDef("adapt_quiet_ms", shapeIn, 0, hour),
		intDef("adapt_signals", shapeIn, 0, 7),
		intDef("adapt_min_messages_per_connection", shapeIn, 0, 1e6), // v1.9
		intDef("adapt_max_messages_per_connection", shapeIn, 0, 1e6), // v1.9
		strDef("category", classifyIn, checkCategory),
		strDef("action", classifyIn, checkEnum(actions)),
		strDef("scope", classifyIn, checkEnum(scopes)),
		intDef("suspend", classifyIn, 0, 1),
		floatDef("rate_factor", classifyIn, checkRateFactor),
		intDef("duration_ms", classifyIn, 0, 7*day),
		intDef("threshold", classifyIn, 0, 1e6),
		intDef("window_ms", classifyIn, 0, day),
		strDef("suppress", classifyIn, checkEnum(suppressChoices)),
		intDef("suppress_for_ms", classifyIn, 0, 3650*day),
	}
	for _, d := range defs {
		resultDefs[d.key] = d
	}
}

// resultKey reads and resolves the key of a set* call. name is the cloned
// NAME of a family key.
func (c *call) resultKey(mem api.Memory, kp, kl uint32) (def *resultDef, name, key string, st int32) {
	if !c.active {
		return nil, "", "", statusNotAvailable
	}
	key, st = readKey(mem, kp, kl)
	if st < 0 {
		return nil, "", "", c.fail(st, "", "key (%d, %d) outside memory, empty, too long or not UTF-8", kp, kl)
	}
	def, name, err := familyOrFixed(key)
	if err != nil {
		return nil, "", key, c.fail(statusInvalidValue, key, "%v", err)
	}
	if def == nil {
		return nil, "", key, c.fail(statusNotFound, key, "not a result key of ABI v1")
	}
	if def.hooks&c.hook.bit() == 0 {
		return nil, "", key, c.fail(statusNotAvailable, key, "not a result of %s", c.hook)
	}
	return def, name, key, 0
}

// familyOrFixed finds the definition of key; it checks the NAME of family
// keys.
func familyOrFixed(key string) (*resultDef, string, error) {
	if d, ok := resultDefs[key]; ok {
		return d, "", nil
	}
	if name, ok := strings.CutPrefix(key, "meta."); ok {
		return metaDef, strings.Clone(name), checkName(name)
	}
	if name, ok := strings.CutPrefix(key, "header."); ok {
		return headerDef, strings.Clone(name), checkHeaderName(name)
	}
	return nil, "", nil
}

// admit enforces the per-call result limits before a value is stored.
func (c *call) admit(def *resultDef, name, key string, size int) int32 {
	if len(c.results) >= maxResultCalls {
		return c.fail(statusLimit, key, "more than %d results in one call", maxResultCalls)
	}
	if c.nbytes+len(key)+size > maxResultBytes {
		return c.fail(statusLimit, key, "more than %d result bytes in one call", maxResultBytes)
	}
	if def.kind == kindList {
		n := 0
		for i := range c.results {
			if c.results[i].def == def && c.results[i].name == name {
				n++
			}
		}
		if n >= def.maxItems {
			return c.fail(statusLimit, key, "more than %d items", def.maxItems)
		}
	}
	c.nbytes += len(key) + size
	return 0
}

// set implements wasmta.set.
func (c *call) set(mem api.Memory, kp, kl, vp, vl uint32) int32 {
	def, name, key, st := c.resultKey(mem, kp, kl)
	if st < 0 {
		return st
	}
	if def.kind != kindStr && def.kind != kindList {
		return c.fail(statusWrongType, key, "is a %s result", kindNames[def.kind])
	}
	b, ok := mem.Read(vp, vl)
	if !ok {
		return c.fail(statusBadArgument, key, "value (%d, %d) outside memory", vp, vl)
	}
	if len(b) > maxValueLen {
		return c.fail(statusInvalidValue, key, "value of %d bytes, more than %d", len(b), maxValueLen)
	}
	if st := c.admit(def, name, key, len(b)); st < 0 {
		return st
	}
	s := string(b)
	if err := def.check(s); err != nil {
		return c.fail(statusInvalidValue, key, "%v", err)
	}
	c.results = append(c.results, result{def: def, name: name, s: s})
	return 0
}

// setI64 implements wasmta.set_i64.
func (c *call) setI64(mem api.Memory, kp, kl uint32, v int64) int32 {
	def, _, key, st := c.resultKey(mem, kp, kl)
	if st < 0 {
		return st
	}
	if def.kind != kindInt {
		return c.fail(statusWrongType, key, "is a %s result", kindNames[def.kind])
	}
	if v < def.lo || v > def.hi {
		return c.fail(statusInvalidValue, key, "%d outside %d..%d", v, def.lo, def.hi)
	}
	if st := c.admit(def, "", key, 8); st < 0 {
		return st
	}
	c.results = append(c.results, result{def: def, n: v})
	return 0
}

// setF64 implements wasmta.set_f64.
func (c *call) setF64(mem api.Memory, kp, kl uint32, v float64) int32 {
	def, _, key, st := c.resultKey(mem, kp, kl)
	if st < 0 {
		return st
	}
	if def.kind != kindFloat {
		return c.fail(statusWrongType, key, "is a %s result", kindNames[def.kind])
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return c.fail(statusInvalidValue, key, "%v is not a finite number", v)
	}
	if err := def.checkF(v); err != nil {
		return c.fail(statusInvalidValue, key, "%v", err)
	}
	if st := c.admit(def, "", key, 8); st < 0 {
		return st
	}
	c.results = append(c.results, result{def: def, f: v})
	return 0
}

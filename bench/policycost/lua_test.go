package policycost

import (
	_ "embed"
	"fmt"

	"github.com/wasmta/wasmta/bench/policycost/logic"
	"github.com/wasmta/wasmta/mta/policy"
	lua "github.com/yuin/gopher-lua"
)

//go:embed testdata/policy.lua
var luaSource string

// luaPolicy is one Lua state with the policy loaded: one per goroutine, as
// KumoMTA keeps one Lua context per thread.
type luaPolicy struct {
	L                  *lua.LState
	classifyFn, routeF lua.LValue
}

func newLuaPolicy() (*luaPolicy, error) {
	L := lua.NewState()
	if err := L.DoString(luaSource); err != nil {
		L.Close()
		return nil, fmt.Errorf("bench: load policy.lua: %w", err)
	}
	return &luaPolicy{L: L, classifyFn: L.GetGlobal("classify"), routeF: L.GetGlobal("route")}, nil
}

// classify builds the argument table with the ABI's classify inputs, calls
// classify(resp) and reads the result table.
func (p *luaPolicy) classify(in *policy.ClassifyInput) (logic.Class, error) {
	L := p.L
	t := L.CreateTable(0, 8)
	t.RawSetString("tenant", lua.LString(in.Tenant))
	t.RawSetString("site", lua.LString(in.Site))
	t.RawSetString("domain", lua.LString(in.Domain))
	t.RawSetString("source", lua.LString(in.Source))
	t.RawSetString("stage", lua.LString(in.Stage))
	t.RawSetString("code", lua.LNumber(in.Code))
	t.RawSetString("enhanced", lua.LString(in.Enhanced))
	t.RawSetString("text", lua.LString(in.Text))
	if err := L.CallByParam(lua.P{Fn: p.classifyFn, NRet: 1, Protect: true}, t); err != nil {
		return logic.Class{}, err
	}
	r, ok := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	if !ok {
		return logic.Class{}, fmt.Errorf("bench: classify returned no table")
	}
	return logic.Class{
		Category:   lua.LVAsString(r.RawGetString("category")),
		Action:     lua.LVAsString(r.RawGetString("action")),
		Suspend:    lua.LVAsBool(r.RawGetString("suspend")),
		RateFactor: float64(lua.LVAsNumber(r.RawGetString("rate_factor"))),
		DurationMS: int64(lua.LVAsNumber(r.RawGetString("duration_ms"))),
		Threshold:  int64(lua.LVAsNumber(r.RawGetString("threshold"))),
		WindowMS:   int64(lua.LVAsNumber(r.RawGetString("window_ms"))),
	}, nil
}

// route calls route(msg); a nil result is "no opinion".
func (p *luaPolicy) route(in *policy.RouteInput) (logic.Route, bool, error) {
	L := p.L
	t := L.CreateTable(0, 3)
	t.RawSetString("tenant", lua.LString(in.Tenant))
	t.RawSetString("campaign", lua.LString(in.Campaign))
	t.RawSetString("domain", lua.LString(in.Domain))
	if err := L.CallByParam(lua.P{Fn: p.routeF, NRet: 1, Protect: true}, t); err != nil {
		return logic.Route{}, false, err
	}
	v := L.Get(-1)
	L.Pop(1)
	r, ok := v.(*lua.LTable)
	if !ok {
		return logic.Route{}, false, nil
	}
	out := logic.Route{MXDomain: lua.LVAsString(r.RawGetString("mx_domain"))}
	if hosts, ok := r.RawGetString("hosts").(*lua.LTable); ok {
		for i := 1; i <= hosts.Len(); i++ {
			out.Hosts = append(out.Hosts, lua.LVAsString(hosts.RawGetInt(i)))
		}
	}
	return out, true, nil
}

//go:build wasip1

package wasmta

// Hook return values of ABI.md section 3.
const (
	decided   int32 = 0
	noOpinion int32 = 1
	faulted   int32 = 2
)

//go:wasmexport wasmta_abi_v1
func abiV1() {}

// declaredHooks tells the host which hooks have a handler (ABI.md section
// 1.1): Go must export every hook, and without this the host would call
// the ones without a handler on every message only to hear "no opinion".
// Bits follow the hook order of ABI.md.
//
//go:wasmexport wasmta_hooks
func declaredHooks() int32 {
	var mask int32
	for i, set := range []bool{onMailFrom != nil, onRcpt != nil, onMessage != nil, onRoute != nil,
		onPool != nil, onShape != nil, onClassify != nil} {
		if set {
			mask |= 1 << i
		}
	}
	return mask
}

// Each hook's export reads its inputs (begin, shared by every hook), runs
// its handler and writes its results, and turns the outcome into the
// hook's return value (end). The handler is called from the export
// itself: under Go's wasm code generation each Go call is a stack check,
// an entry dispatch and a resume check, and code that two hooks of one
// message share (begin, end) is fetched into the caches once per message,
// where each hook's own code is fetched again (docs/benchmarks.md,
// "Policy cost, session 10").

//go:wasmexport on_mail_from
func exportMailFrom() int32 {
	if onMailFrom == nil {
		return noOpinion
	}
	begin(&mailFromHook)
	res, ok := onMailFrom(&mailFromIn)
	if ok {
		out.reception(res.Reject, res.Tenant, res.Campaign, res.Meta)
	}
	return end(ok)
}

//go:wasmexport on_rcpt
func exportRcpt() int32 {
	if onRcpt == nil {
		return noOpinion
	}
	begin(&rcptHook)
	res, ok := onRcpt(&rcptIn)
	if ok {
		out.reply(res.Reject)
	}
	return end(ok)
}

//go:wasmexport on_message
func exportMessage() int32 {
	if onMessage == nil {
		return noOpinion
	}
	begin(&messageHook)
	res, ok := onMessage(&messageIn)
	if ok {
		out.reception(res.Reject, res.Tenant, res.Campaign, res.Meta)
		for _, h := range res.AddHeaders {
			out.family("header.", h.Name, h.Value)
		}
		out.str("dkim", res.DKIM)
	}
	return end(ok)
}

//go:wasmexport route
func exportRoute() int32 {
	if onRoute == nil {
		return noOpinion
	}
	begin(&routeHook)
	res, ok := onRoute(&routeIn)
	if ok {
		out.route(&res)
	}
	return end(ok)
}

//go:wasmexport select_pool
func exportSelectPool() int32 {
	if onPool == nil {
		return noOpinion
	}
	begin(&poolHook)
	pool, ok := onPool(&poolIn)
	if ok {
		out.str("pool", pool)
	}
	return end(ok)
}

//go:wasmexport shape
func exportShape() int32 {
	if onShape == nil {
		return noOpinion
	}
	begin(&shapeHook)
	res, ok := onShape(&shapeIn)
	if ok {
		out.shape(&res)
	}
	return end(ok)
}

//go:wasmexport classify
func exportClassify() int32 {
	if onClassify == nil {
		return noOpinion
	}
	begin(&classifyHook)
	res, ok := onClassify(&classifyIn)
	if ok {
		out.classification(&res)
	}
	return end(ok)
}

// end turns a handler's outcome into the hook's return value. An input
// the host refused (an SDK/host mismatch, never the author's fault) or a
// result it refused faults the call, so that no half-made decision is
// used. It is small enough to be inlined into the exports: the unusual
// cases are endSlow's.
func end(ok bool) int32 {
	if writeBarrier.enabled || len(in.err)|len(out.err) != 0 {
		return endSlow(ok)
	}
	if ok {
		return decided
	}
	return noOpinion
}

// endSlow is end when the collector is marking or the call faulted.
//
//go:noinline
func endSlow(ok bool) int32 {
	finishMarking()
	switch {
	case in.err != "":
		Log(LevelError, in.err)
		return faulted
	case out.err != "":
		Log(LevelError, out.err)
		return faulted
	case !ok:
		return noOpinion
	}
	return decided
}

// One reader and one writer for the whole instance: the host runs one call
// at a time per instance, and their buffers are reused by every call.
var (
	in  reader
	out writer
)

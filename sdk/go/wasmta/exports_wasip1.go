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

//go:wasmexport on_mail_from
func exportMailFrom() int32 { return runHook(onMailFrom != nil, callMailFrom) }

//go:wasmexport on_rcpt
func exportRcpt() int32 { return runHook(onRcpt != nil, callRcpt) }

//go:wasmexport on_message
func exportMessage() int32 { return runHook(onMessage != nil, callMessage) }

//go:wasmexport route
func exportRoute() int32 { return runHook(onRoute != nil, callRoute) }

//go:wasmexport select_pool
func exportSelectPool() int32 { return runHook(onPool != nil, callSelectPool) }

//go:wasmexport shape
func exportShape() int32 { return runHook(onShape != nil, callShape) }

//go:wasmexport classify
func exportClassify() int32 { return runHook(onClassify != nil, callClassify) }

// runHook answers "no opinion" for a hook without a handler, else runs
// call with a fresh reader and writer and turns their outcome into the
// hook's return value. An input the host refused (an SDK/host mismatch,
// never the author's fault) or a result it refused faults the call, so
// that no half-made decision is used.
func runHook(registered bool, call func(r *reader, w *writer) bool) int32 {
	if !registered {
		return noOpinion
	}
	in.reset()
	out.reset()
	ok := call(&in, &out)
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

package hostabi

import "github.com/wasmta/wasmta/mta/policy"

// hookID indexes the hooks of ABI v1 in per-module tables.
type hookID uint8

const (
	hookMailFrom hookID = iota
	hookRcpt
	hookMessage
	hookRoute
	hookSelectPool
	hookShape
	hookClassify
	numHooks
)

// hookNames are the export names, indexed by hookID.
var hookNames = [numHooks]string{
	policy.HookMailFrom, policy.HookRcpt, policy.HookMessage, policy.HookRoute,
	policy.HookSelectPool, policy.HookShape, policy.HookClassify,
}

func (h hookID) String() string { return hookNames[h] }

// bit is the hook's bit in a hookSet.
func (h hookID) bit() hookSet { return 1 << h }

// hookSet is a set of hooks, used to say which hooks accept a result key.
type hookSet uint8

const (
	receptionHooks = hookSet(1<<hookMailFrom | 1<<hookRcpt | 1<<hookMessage)
	// abiMarker is the export that says a module speaks ABI v1.
	abiMarker = "wasmta_abi_v1"
	// abiMarkerPrefix finds markers of other ABI versions.
	abiMarkerPrefix = "wasmta_abi_v"
)

// Status codes returned to the guest by host functions (ABI.md, 2.1).
const (
	statusNotFound     int32 = -1
	statusBadArgument  int32 = -2
	statusNotAvailable int32 = -3
	statusWrongType    int32 = -4
	statusInvalidValue int32 = -5
	statusLimit        int32 = -6
)

var statusNames = map[int32]string{
	statusNotFound:     "NOT_FOUND",
	statusBadArgument:  "BAD_ARGUMENT",
	statusNotAvailable: "NOT_AVAILABLE",
	statusWrongType:    "WRONG_TYPE",
	statusInvalidValue: "INVALID_VALUE",
	statusLimit:        "LIMIT",
}

// Limits of ABI.md section 6.
const (
	maxKeyLen       = 256
	maxValueLen     = 4096
	maxResultCalls  = 256
	maxResultBytes  = 65536
	maxListItems    = 32
	maxHosts        = 16
	maxLogLine      = 4096
	maxLogLines     = 64
	maxAbortTextLen = 1024
)

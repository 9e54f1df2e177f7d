package hostabi

// WithholdInputs makes the "inputs" key NOT_FOUND (a host older than ABI
// v1.8) until it is called again with false.
func WithholdInputs(on bool) { withholdInputs.Store(on) }

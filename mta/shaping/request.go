package shaping

// Request asks for an action through the admin API (POST /v1/actions;
// admin.Client is the Go client): what it does, what it covers, for how
// long from now, and why.
type Request struct {
	Kind   Kind      `json:"kind"`
	Select Selector  `json:"select"`
	Shape  *Override `json:"shape,omitempty"`
	For    Duration  `json:"for"`
	Reason string    `json:"reason"`
}

// ResumeRequest ends the actions whose selector lies within Select (see
// Selector.Within); Kind "" ends both kinds.
type ResumeRequest struct {
	Select Selector `json:"select"`
	Kind   Kind     `json:"kind,omitempty"`
	Reason string   `json:"reason"`
}

// AddResult is the answer to a Request: the action in force, and whether
// it is new (false: the same action was already active, and its expiry
// may have moved).
type AddResult struct {
	Action Action `json:"action"`
	Added  bool   `json:"added"`
}

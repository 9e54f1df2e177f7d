package admin

import (
	"time"

	"github.com/wasmta/wasmta/mta/engine"
	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/shaping"
)

// The wire types of the queue and traffic-control endpoints: what the API writes as JSON and
// clients (the CLI) decode. The engine answers the same queries with plain
// types of its own (engine.QueueSummary, engine.MessageInfo, ...), and
// these copy them field for field, so the JSON names live here only. The
// flat ones are Go conversions (a field added to the engine's type fails to
// compile here until the API decides how to show it); summaryOf and
// messageInfoOf name their fields.

// QueueSummary is the state of the queues, grouped by one dimension.
type QueueSummary struct {
	By          string     `json:"by"`
	Rows        []QueueRow `json:"rows"`
	Scheduled   int        `json:"scheduled"`   // matching items in the scheduled queues
	Ready       int        `json:"ready"`       // transactions in all ready queues
	InFlight    int        `json:"in_flight"`   // items routed but not final: in ready queues or on a connection
	Connections int        `json:"connections"` // open delivery connections
}

// QueueRow is one line of a queue summary.
type QueueRow struct {
	Key         string     `json:"key"`
	Queues      int        `json:"queues"`      // scheduled queues counted in the row
	Scheduled   int        `json:"scheduled"`   // items waiting in the scheduled queues
	Ready       int        `json:"ready"`       // transactions waiting in ready queues (site and source rows)
	Connections int        `json:"connections"` // open delivery connections (site and source rows)
	NextDue     *time.Time `json:"next_due,omitempty"`
	PausedUntil *time.Time `json:"paused_until,omitempty"`    // a scheduled queue of the row is paused
	Suspended   *time.Time `json:"suspended_until,omitempty"` // a path of the row is suspended
	*PathLimits            // of the row's paths together (site and source rows)
	// Paths are the row's paths one by one (site, source and provider
	// rows): each limit against the policy's bounds, with its state.
	Paths []PathView `json:"paths,omitempty"`
}

// PathView is one egress path's learned limits against the policy's
// bounds (engine.PathStatus).
type PathView struct {
	Source      string       `json:"source"`
	Site        string       `json:"site"`
	Limits      PathLimitsOf `json:"limits"`
	Adaptation  Adaptation   `json:"adaptation"`
	SuspendedBy *ActionRef   `json:"suspended_by,omitempty"`
}

// PathLimitsOf are the three limits a path learns.
type PathLimitsOf struct {
	Connections LimitView `json:"connections"`
	Rate        LimitView `json:"rate"` // messages per second over all the path's connections
	PerConn     LimitView `json:"messages_per_connection"`
}

// LimitView is one learned limit: the shape hook's preset, the policy's
// floor and ceiling (0: none), the learned value, the value in force after
// live overrides, and why it sits where it does (engine.LimitView).
type LimitView struct {
	Preset   float64    `json:"preset"`
	Floor    float64    `json:"floor"`
	Ceiling  float64    `json:"ceiling"`
	Learned  float64    `json:"learned"`
	InForce  float64    `json:"in_force"`
	State    string     `json:"state"`
	Since    *time.Time `json:"since,omitempty"`
	LastCut  *CutView   `json:"last_cut,omitempty"`
	Override *ActionRef `json:"overridden_by,omitempty"`
}

// CutView is the last cut of a learned limit: the signal, when, from and
// to what, and the reply or error behind it.
type CutView struct {
	Signal string    `json:"signal"`
	At     time.Time `json:"at"`
	From   float64   `json:"from"`
	To     float64   `json:"to"`
	Why    string    `json:"reply,omitempty"`
}

// ActionRef names a live action (GET /v1/actions/{id} has the rest).
type ActionRef struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Origin   string    `json:"origin"`
	Category string    `json:"category,omitempty"`
	Reason   string    `json:"reason"`
	Until    time.Time `json:"until"`
}

// Adaptation is the learning loop's parameters in force on a path.
type Adaptation struct {
	Off            bool     `json:"off"`
	ConnectionStep int      `json:"connection_step"`
	RateStep       float64  `json:"rate_step"`
	Factor         float64  `json:"factor"`
	QuietMS        int64    `json:"quiet_ms"`
	Signals        []string `json:"signals"`
}

func pathViewOf(source, site string, st engine.PathStatus) PathView {
	v := PathView{Source: source, Site: site, SuspendedBy: (*ActionRef)(st.SuspendedBy),
		Adaptation: Adaptation{Off: st.Adaptation.Off, ConnectionStep: st.Adaptation.ConnectionStep,
			RateStep: st.Adaptation.RateStep, Factor: st.Adaptation.Factor,
			QuietMS: st.Adaptation.Quiet.Milliseconds(), Signals: st.Adaptation.Signals}}
	for i, l := range st.Limits {
		lv := LimitView{Preset: l.Preset, Floor: l.Floor, Ceiling: l.Ceiling, Learned: l.Learned, InForce: l.InForce,
			State: l.State, Since: l.Since, LastCut: (*CutView)(l.LastCut), Override: (*ActionRef)(l.Override)}
		*[]*LimitView{&v.Limits.Connections, &v.Limits.Rate, &v.Limits.PerConn}[i] = lv
	}
	return v
}

// PathLimits are a path's configured limits (the shape hook's) beside the
// ones it learned, before live overrides; rates are messages per second
// over all its connections, messages per connection a count per session,
// 0 = no limit.
type PathLimits struct {
	ConfiguredConnections int     `json:"configured_connections"`
	LearnedConnections    int     `json:"learned_connections"`
	ConfiguredRate        float64 `json:"configured_rate"`
	LearnedRate           float64 `json:"learned_rate"`
	ConfiguredPerConn     int     `json:"configured_messages_per_connection"`
	LearnedPerConn        int     `json:"learned_messages_per_connection"`
}

// MessageInfo is what the spool knows of a queued message.
type MessageInfo struct {
	ID         string            `json:"id"`
	Tenant     string            `json:"tenant,omitempty"`
	Campaign   string            `json:"campaign,omitempty"`
	Sender     string            `json:"sender"`
	ReceivedAt time.Time         `json:"received_at"`
	Size       int64             `json:"size"`
	Peer       string            `json:"peer,omitempty"`
	Helo       string            `json:"helo,omitempty"`
	AuthUser   string            `json:"auth_user,omitempty"`
	Protocol   string            `json:"protocol,omitempty"`
	Pool       string            `json:"pool,omitempty"` // set by the envelope; rebinds are per recipient
	Meta       map[string]string `json:"meta,omitempty"`
	Headers    []Header          `json:"headers"`
	Recipients []RecipientInfo   `json:"recipients"`
	// TLSPolicies are the transport security policies in force for the
	// recipient domains (docs/tls.md).
	TLSPolicies []TLSPolicy `json:"tls_policies,omitempty"`
}

// Header is one header field, unfolded, in message order.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// RecipientInfo is one recipient's delivery state.
type RecipientInfo struct {
	Address  string            `json:"address"`
	Queue    string            `json:"queue"`
	Status   string            `json:"status"`
	Attempts int               `json:"attempts"`
	Due      *time.Time        `json:"next_attempt,omitempty"`
	Last     *message.Response `json:"last_response,omitempty"`
	Pool     string            `json:"rebound_pool,omitempty"`
	// HeldBy is the id of the suspension holding the recipient (status
	// "held"; next_attempt is the suspension's end).
	HeldBy string `json:"held_by,omitempty"`
}

// Affected counts what a queue operation (bounce, rebind) took.
type Affected struct {
	Messages   int `json:"messages"`
	Recipients int `json:"recipients"`
}

// ActionRequest asks for an action (POST /v1/actions): what it does, what
// it covers, for how long from now, and why.
type ActionRequest struct {
	Kind   shaping.Kind      `json:"kind"`
	Select shaping.Selector  `json:"select"`
	Shape  *shaping.Override `json:"shape,omitempty"`
	For    shaping.Duration  `json:"for"`
	Reason string            `json:"reason"`
}

// ResumeRequest ends the actions whose selector lies within Select (see
// shaping.Selector.Within); Kind "" ends both kinds (POST /v1/resume).
type ResumeRequest struct {
	Select shaping.Selector `json:"select"`
	Kind   shaping.Kind     `json:"kind,omitempty"`
	Reason string           `json:"reason"`
}

// AddResult is the answer to an ActionRequest: the action in force, and
// whether it is new (false: the same action was already active, and its
// expiry may have moved).
type AddResult struct {
	Action shaping.Action `json:"action"`
	Added  bool           `json:"added"`
}

func summaryOf(s *engine.QueueSummary) *QueueSummary {
	out := &QueueSummary{By: s.By, Rows: make([]QueueRow, len(s.Rows)), Scheduled: s.Scheduled, Ready: s.Ready,
		InFlight: s.InFlight, Connections: s.Connections}
	for i, r := range s.Rows {
		out.Rows[i] = QueueRow{Key: r.Key, Queues: r.Queues, Scheduled: r.Scheduled, Ready: r.Ready,
			Connections: r.Connections, NextDue: r.NextDue, PausedUntil: r.PausedUntil, Suspended: r.Suspended}
		if r.PathLimits != nil {
			l := PathLimits(*r.PathLimits)
			out.Rows[i].PathLimits = &l
		}
		for _, p := range r.Paths {
			out.Rows[i].Paths = append(out.Rows[i].Paths, pathViewOf(p.Source, p.Site, p.PathStatus))
		}
	}
	return out
}

func messageInfoOf(m *engine.MessageInfo) *MessageInfo {
	out := &MessageInfo{ID: m.ID, Tenant: m.Tenant, Campaign: m.Campaign, Sender: m.Sender, ReceivedAt: m.ReceivedAt,
		Size: m.Size, Peer: m.Peer, Helo: m.Helo, AuthUser: m.AuthUser, Protocol: m.Protocol, Pool: m.Pool, Meta: m.Meta,
		Headers: make([]Header, len(m.Headers)), Recipients: make([]RecipientInfo, len(m.Recipients))}
	for i, h := range m.Headers {
		out.Headers[i] = Header(h)
	}
	for i, r := range m.Recipients {
		out.Recipients[i] = RecipientInfo(r)
	}
	return out
}

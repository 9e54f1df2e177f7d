package egress

import (
	"crypto/tls"
	"net/netip"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/queue"
)

// Job is one SMTP transaction to make: one message, the recipients of its
// items (all on this path's site).
type Job struct {
	Msg      *message.Message
	Body     []byte // nil until loaded
	Items    []*queue.Item
	Queue    message.QueueKey // of the first item
	Pool     string
	Enqueued time.Time
	// PolicyVersion is the version of the policy that routed the job,
	// carried into the records.
	PolicyVersion string
}

// Rcpts returns the recipient addresses of the job, in item order.
func (j *Job) Rcpts() []string {
	var out []string
	for _, it := range j.Items {
		for _, i := range it.Rcpts {
			out = append(out, j.Msg.Recipients[i].Addr)
		}
	}
	return out
}

// Conn describes the connection a job was attempted on.
type Conn struct {
	Peer     netip.AddrPort
	Hostname string
	TLS      *tls.ConnectionState
}

// Outcome is the result of one attempt of a job. When Err is set the
// connection failed and Rcpt holds the same failure for every recipient.
type Outcome struct {
	Rcpt  []message.Response // one per recipient, in Rcpts order
	Stage string             // where the transaction ended: "connect", "mail", "rcpt", "data"
	// OwnReply[i]: Rcpt[i] is the server's reply to that recipient's own
	// RCPT TO, so it speaks of that address; otherwise it is one reply for
	// the whole transaction (a refused DATA, a failed connection).
	OwnReply []bool
	Conn     Conn
	Err      error
	// RetryAt, when set, is the end of the back-off of a path where no
	// connection works: the job is not worth trying before.
	RetryAt time.Time
	// TLSCheck is what the recipient domain's TLS policy said of the
	// session (nil without a policy, or a handler without TLSPolicies).
	TLSCheck *TLSCheck
	// Reused: the session had carried mail before this transaction.
	Reused bool
}

// StageOf is where recipient i's reply came from: "rcpt" for its own
// RCPT reply, "data" for the final reply of a transaction that refused
// other recipients at RCPT, else Stage.
func (o *Outcome) StageOf(i int) string {
	switch {
	case o.Err == nil && i < len(o.OwnReply) && o.OwnReply[i]:
		return "rcpt"
	case o.Err == nil && o.Stage == "rcpt":
		return "data"
	}
	return o.Stage
}

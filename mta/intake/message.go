package intake

import (
	"maps"
	"time"

	"github.com/wasmta/wasmta/mta/message"
	"github.com/wasmta/wasmta/mta/policy"
)

// Envelope is what a door knows of a message before on_message: the
// transaction and the client.
type Envelope struct {
	Tenant, Campaign string
	Sender           string
	Recipients       []string
	Meta             map[string]string // on_mail_from's and the client's
	Peer             string            // ip:port
	Helo             string
	AuthUser         string
	Protocol         string // RFC 3848 keyword, or HTTP/HTTPS
}

// NewMessage returns the message record to spool: env with on_message's
// tenant, campaign and metadata over it. The record shares no map or
// slice with env or res.
func NewMessage(env *Envelope, res *policy.MessageResult, id message.ID, now time.Time) *message.Message {
	m := &message.Message{
		ID: id, Tenant: env.Tenant, Campaign: env.Campaign, Sender: env.Sender,
		Recipients: make([]message.Recipient, len(env.Recipients)), ReceivedAt: now,
		Peer: env.Peer, Helo: env.Helo, AuthUser: env.AuthUser, Protocol: env.Protocol,
		Meta: MergeMeta(env.Meta, res.Meta),
	}
	for i, r := range env.Recipients {
		m.Recipients[i].Addr = r
	}
	if res.Tenant != "" {
		m.Tenant = res.Tenant
	}
	if res.Campaign != "" {
		m.Campaign = res.Campaign
	}
	return m
}

// MergeMeta returns a new map with b's keys over a's, nil when both are
// empty: a spooled message never shares its map with a policy.
func MergeMeta(a, b map[string]string) map[string]string {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]string, len(a)+len(b))
	maps.Copy(out, a)
	maps.Copy(out, b)
	return out
}

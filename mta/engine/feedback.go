package engine

import (
	"fmt"
	"strings"

	"github.com/wasmta/wasmta/mta/egress"
	"github.com/wasmta/wasmta/mta/verp"
)

// feedbackState is what the engine keeps for mail that comes back: the
// VERP signer and each tenant's return path.
type feedbackState struct {
	signer      *verp.Signer      // nil without inbound.verp_keys
	returnPaths map[string]string // tenant -> "PREFIX@DOMAIN"
}

func (e *Engine) initFeedback() error {
	e.fb.returnPaths = map[string]string{}
	for _, t := range e.cfg.Tenants {
		if t.ReturnPath != "" {
			e.fb.returnPaths[t.Name] = t.ReturnPath
		}
	}
	if len(e.cfg.Inbound.Keys) == 0 {
		return nil
	}
	keys := make([]verp.Key, len(e.cfg.Inbound.Keys))
	for i, k := range e.cfg.Inbound.Keys {
		keys[i] = verp.Key{ID: k.ID, Secret: k.Secret}
	}
	s, err := verp.NewSigner(keys)
	if err != nil {
		return fmt.Errorf("engine: inbound.verp_keys: %w", err)
	}
	e.fb.signer = s
	return nil
}

// returnPath is the envelope sender of a job: the tenant's VERP return
// path, or "" to keep the message's sender. The null sender stays null (a
// report never causes a report). The recipient's index is in the token
// when the transaction carries one recipient; otherwise the report's own
// recipient field names it.
func (e *Engine) returnPath(j *egress.Job) string {
	rp := e.fb.returnPaths[j.Msg.Tenant]
	if rp == "" || e.fb.signer == nil || j.Msg.Sender == "" {
		return ""
	}
	rcpt := verp.AllRecipients
	if len(j.Items) == 1 && len(j.Items[0].Rcpts) == 1 {
		rcpt = int(j.Items[0].Rcpts[0])
	}
	prefix, domain, _ := strings.Cut(rp, "@")
	return e.fb.signer.Address(prefix, domain, verp.Token{ID: j.Msg.ID, Rcpt: rcpt, Tenant: j.Msg.Tenant})
}

package spool

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/wasmta/wasmta/mta/message"
)

// Salvaged is the envelope Salvage writes as ID.json beside ID.eml: enough
// to send the message again to the recipients that still need it.
type Salvaged struct {
	ID         string            `json:"id"`
	Tenant     string            `json:"tenant,omitempty"`
	Campaign   string            `json:"campaign,omitempty"`
	Sender     string            `json:"sender"`
	ReceivedAt *time.Time        `json:"received_at,omitempty"`
	Recipients []SalvagedRcpt    `json:"recipients,omitempty"`
	Meta       map[string]string `json:"meta,omitempty"`
	Pool       string            `json:"pool,omitempty"`
	// Body is the name of the .eml file; "" when the body was lost.
	Body string `json:"body,omitempty"`
	// Note says what is missing or why the message was quarantined.
	Note string `json:"note,omitempty"`
}

// SalvagedRcpt is one recipient and its delivery state: "pending" and
// "deferred" ones still need the message.
type SalvagedRcpt struct {
	Address  string `json:"address"`
	Status   string `json:"status"`
	Attempts int    `json:"attempts,omitempty"`
}

// SalvageResult counts what Salvage wrote.
type SalvageResult struct {
	Messages    int      `json:"messages"`     // envelopes written (with or without body)
	WithoutBody int      `json:"without_body"` // of them, the body was lost
	Undecodable int      `json:"undecodable"`  // envelopes that did not decode (raw bytes kept)
	Orphans     int      `json:"orphans"`      // bodies whose envelope was lost
	Quarantined int      `json:"quarantined"`  // quarantined messages written
	Damaged     []string `json:"damaged,omitempty"`
}

// Salvage writes every message that can be read from the spool to dir,
// which must not exist or be empty: messages/ID.eml (the message as
// received, with wasmta's trace header) and messages/ID.json (Salvaged),
// and the same for the quarantine under quarantine/.
func (off *Offline) Salvage(dir string) (*SalvageResult, error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("spool: salvage: %s is not empty", dir)
	}
	res := &SalvageResult{}
	if _, err := off.checkTables(); err != nil { // the damaged blocks are then stepped over at once
		return nil, fmt.Errorf("spool: salvage: %w", err)
	}
	mdir, qdir := filepath.Join(dir, "messages"), filepath.Join(dir, "quarantine")
	for _, d := range []string{mdir, qdir} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, fmt.Errorf("spool: salvage: %w", err)
		}
	}
	err := off.Envelopes(func(id message.ID, m *message.Message, st []message.RcptState, derr error) error {
		res.Messages++
		return off.salvageOne(mdir, id, m, st, derr, res)
	}, &res.Damaged)
	if err == nil {
		err = off.Bodies(func(id message.ID, body []byte, orphan bool) error {
			if !orphan {
				return nil
			}
			res.Orphans++
			s := Salvaged{ID: id.String(), Note: "the envelope was lost: sender and recipients are unknown, see the message's header"}
			return writeSalvaged(mdir, s, body)
		}, &res.Damaged)
	}
	if err == nil {
		err = off.Quarantine(func(q Quarantined, body []byte) error {
			res.Quarantined++
			id, _ := message.ParseID(q.ID)
			s := salvagedOf(id, nil, nil)
			if m, derr := decodeMessage(id, q.Envelope); derr == nil {
				s = salvagedOf(id, m, pendingStates(len(m.Recipients), m.ReceivedAt))
			}
			s.Note = fmt.Sprintf("quarantined %s: %s", q.Time.Format(time.RFC3339), q.Reason)
			return writeSalvaged(qdir, s, body)
		})
	}
	if err != nil {
		return res, fmt.Errorf("spool: salvage: %w", err)
	}
	return res, nil
}

func (off *Offline) salvageOne(dir string, id message.ID, m *message.Message, st []message.RcptState, derr error, res *SalvageResult) error {
	s := salvagedOf(id, m, st)
	if derr != nil {
		res.Undecodable++
		s.Note = fmt.Sprintf("the envelope does not decode (%v): its raw bytes are in %s.envelope", firstLine(derr), id)
		if raw, err := off.raw(idKey(prefixMessage, id)); err == nil {
			if err := os.WriteFile(filepath.Join(dir, id.String()+".envelope"), raw, 0o640); err != nil {
				return err
			}
		}
	}
	body, err := off.raw(idKey(prefixBody, id))
	if err != nil {
		res.WithoutBody++
		s.Note = joinNote(s.Note, fmt.Sprintf("the body was lost (%s)", firstLine(err)))
		body = nil
	}
	return writeSalvaged(dir, s, body)
}

func (off *Offline) raw(key []byte) ([]byte, error) {
	v, closer, err := off.db.Get(key)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

func salvagedOf(id message.ID, m *message.Message, st []message.RcptState) Salvaged {
	s := Salvaged{ID: id.String()}
	if m == nil {
		return s
	}
	at := m.ReceivedAt
	s.Tenant, s.Campaign, s.Sender, s.ReceivedAt, s.Meta, s.Pool = m.Tenant, m.Campaign, m.Sender, &at, m.Meta, m.Pool
	for i, r := range m.Recipients {
		s.Recipients = append(s.Recipients, SalvagedRcpt{Address: r.Addr, Status: st[i].Status.String(), Attempts: st[i].Attempts})
	}
	return s
}

// writeSalvaged writes ID.json, and ID.eml when there is a body.
func writeSalvaged(dir string, s Salvaged, body []byte) error {
	if body != nil {
		s.Body = s.ID + ".eml"
		if err := os.WriteFile(filepath.Join(dir, s.Body), body, 0o640); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, s.ID+".json"), append(data, '\n'), 0o640)
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

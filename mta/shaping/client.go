package shaping

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Request asks for an action through the admin API: what it does, what it
// covers, for how long from now, and why.
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

// Client calls the live-action endpoints of a running wasmta's admin API,
// the ones behind the CLI's `wasmta suspend`, `resume`, `shape set` and
// `actions` (cmd/wasmta-demo uses this client; the CLI has its own).
type Client struct {
	Base  string // e.g. http://127.0.0.1:8025
	Token string // bearer token; "" sends none
	HTTP  *http.Client
}

// Add asks for an action.
func (c *Client) Add(ctx context.Context, req Request) (AddResult, error) {
	var out AddResult
	err := c.do(ctx, http.MethodPost, "/v1/actions", req, &out)
	return out, err
}

// List returns the active actions.
func (c *Client) List(ctx context.Context) ([]Action, error) {
	var out struct{ Actions []Action }
	err := c.do(ctx, http.MethodGet, "/v1/actions", nil, &out)
	return out.Actions, err
}

// Cancel ends one action.
func (c *Client) Cancel(ctx context.Context, id, reason string) (Action, error) {
	var out Action
	p := "/v1/actions/" + url.PathEscape(id)
	if reason != "" {
		p += "?reason=" + url.QueryEscape(reason)
	}
	err := c.do(ctx, http.MethodDelete, p, nil, &out)
	return out, err
}

// Resume ends the actions within a selector.
func (c *Client) Resume(ctx context.Context, req ResumeRequest) ([]Action, error) {
	var out struct{ Cancelled []Action }
	err := c.do(ctx, http.MethodPost, "/v1/resume", req, &out)
	return out.Cancelled, err
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("admin API: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return fmt.Errorf("admin API: %s", e.Error)
		}
		return fmt.Errorf("admin API: %s %s: %s: %.200s", method, path, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("admin API: %s %s: answer: %w", method, path, err)
	}
	return nil
}

package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wasmta/wasmta/mta/shaping"
)

// Client calls the admin API of a running wasmta. It is the one client
// of the API: the CLI and cmd/wasmta-demo use it. Do and Call carry the
// token, send bodies as JSON (or as is for a []byte: a wasm module) and
// turn the API's {"error": text} answers into an *APIError; the methods
// below name the live traffic-control endpoints (control.go).
type Client struct {
	Base  string       // e.g. http://127.0.0.1:8025
	Token string       // bearer token; "" sends none
	HTTP  *http.Client // nil = http.DefaultClient
	// UserAgent is sent as User-Agent ("wasmta/VERSION" from the CLI).
	UserAgent string
}

// APIError is a non-2xx answer of the API.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

// Stream is a request body sent as it is read (a table push), never held
// whole.
type Stream struct {
	Body        io.Reader
	ContentType string
}

// maxAnswer bounds an answer read by the client.
const maxAnswer = 64 << 20

// Do makes a request and returns the body of a 2xx answer. body is nil,
// a []byte sent as application/wasm, a Stream, or a value sent as JSON.
func (c *Client) Do(ctx context.Context, method, path string, body any) ([]byte, error) {
	var rd io.Reader
	ctype := mediaJSON
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), mediaWasm
	case Stream:
		rd, ctype = b.Body, b.ContentType
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("admin API: %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Base, "/")+path, rd)
	if err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ctype)
	}
	if c.UserAgent != "" {
		req.Header.Set("User-Agent", c.UserAgent)
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
		return nil, fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, fmt.Errorf("admin API: %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(data[:min(len(data), 200)]))
		}
		return nil, &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	return data, nil
}

// Call is Do, then decodes the JSON answer into out.
func (c *Client) Call(ctx context.Context, method, path string, body, out any) error {
	data, err := c.Do(ctx, method, path, body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("admin API: %s %s: answer: %w", method, path, err)
	}
	return nil
}

// AddAction starts a suspension or shaping override (or moves the expiry
// of the same active one).
func (c *Client) AddAction(ctx context.Context, req ActionRequest) (AddResult, error) {
	var out AddResult
	err := c.Call(ctx, http.MethodPost, "/v1/actions", req, &out)
	return out, err
}

// Actions returns the active actions, policy-made and admin-made.
func (c *Client) Actions(ctx context.Context) ([]shaping.Action, error) {
	var out struct{ Actions []shaping.Action }
	err := c.Call(ctx, http.MethodGet, "/v1/actions", nil, &out)
	return out.Actions, err
}

// CancelAction ends one action.
func (c *Client) CancelAction(ctx context.Context, id, reason string) (shaping.Action, error) {
	var out shaping.Action
	err := c.Call(ctx, http.MethodDelete, ActionPath(id, reason), nil, &out)
	return out, err
}

// ActionPath is the path of one action, with the reason of a cancel.
func ActionPath(id, reason string) string {
	p := "/v1/actions/" + url.PathEscape(id)
	if reason != "" {
		p += "?reason=" + url.QueryEscape(reason)
	}
	return p
}

// Resume ends the actions within a selector.
func (c *Client) Resume(ctx context.Context, req ResumeRequest) ([]shaping.Action, error) {
	var out struct{ Cancelled []shaping.Action }
	err := c.Call(ctx, http.MethodPost, "/v1/resume", req, &out)
	return out.Cancelled, err
}

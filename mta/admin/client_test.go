package admin

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wasmta/wasmta/mta/shaping"
)

// TestClient: the client starts, lists, resumes and cancels actions on a
// real API, and a refused request comes back as an *APIError with the
// API's status and message.
func TestClient(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	c := &Client{Base: s.api + "/", Token: token}
	ctx := context.Background()
	susp := ActionRequest{Kind: shaping.Suspend, Select: shaping.Selector{Site: "mx.test"},
		For: shaping.Duration(time.Hour), Reason: "client test"}
	added, err := c.AddAction(ctx, susp)
	if err != nil || !added.Added || added.Action.ID == "" {
		t.Fatalf("AddAction = %+v, %v", added, err)
	}
	shape := ActionRequest{Kind: shaping.Shape, Select: shaping.Selector{Provider: "google"},
		Shape: &shaping.Override{MaxConnections: 2}, For: shaping.Duration(time.Hour), Reason: "client test"}
	second, err := c.AddAction(ctx, shape)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := c.Actions(ctx); err != nil || len(list) != 2 {
		t.Fatalf("Actions = %+v, %v; want the two started", list, err)
	}
	gone, err := c.Resume(ctx, ResumeRequest{Select: shaping.Selector{Site: "mx.test"}, Reason: "done"})
	if err != nil || len(gone) != 1 || gone[0].ID != added.Action.ID {
		t.Fatalf("Resume = %+v, %v; want the suspension", gone, err)
	}
	if a, err := c.CancelAction(ctx, second.Action.ID, "done"); err != nil || a.ID != second.Action.ID {
		t.Fatalf("CancelAction = %+v, %v", a, err)
	}
	_, err = c.CancelAction(ctx, second.Action.ID, "")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotFound || apiErr.Message == "" {
		t.Fatalf("cancelling a gone action: %v, want a 404 *APIError with the API's message", err)
	}
	if _, err := (&Client{Base: s.api}).Actions(ctx); !errors.As(err, &apiErr) || apiErr.Status != http.StatusUnauthorized {
		t.Fatalf("no token: %v, want 401", err)
	}
}

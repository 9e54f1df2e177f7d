package admin

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDashboardFiles(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	tests := []struct {
		path, wantType, wantBody string
		want                     int
	}{
		{"/", "text/html", `<script src="/ui/app.js"`, http.StatusOK},
		{"/ui/app.js", "text/javascript", "/v1/dashboard/stream", http.StatusOK},
		{"/ui/app.css", "text/css", "--delivered", http.StatusOK},
		{"/ui/nothing.js", "", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		resp, err := http.Get(s.api + tt.path) // no token: the files hold no data
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.wantType) ||
			!strings.Contains(string(body), tt.wantBody) {
			t.Errorf("GET %s = %d %q, want %d %q containing %q", tt.path, resp.StatusCode,
				resp.Header.Get("Content-Type"), tt.want, tt.wantType, tt.wantBody)
		}
	}
	if code := s.call(t, "GET", "/v1/dashboard", nil, false, nil); code != http.StatusUnauthorized {
		t.Errorf("snapshot without the token: %d", code)
	}
}

// TestDashboardStream: the stream sends a snapshot at once and another
// one within the period.
func TestDashboardStream(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	req, _ := http.NewRequest("GET", s.api+"/v1/dashboard/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	start := time.Now()
	for n := 0; n < 2; {
		if !sc.Scan() {
			t.Fatalf("stream ended after %d snapshots: %v", n, sc.Err())
		}
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var d Dashboard
		if err := json.Unmarshal([]byte(data), &d); err != nil || len(d.Tenants) != 3 || d.Rates["provider"].Series == nil {
			t.Fatalf("snapshot %s: %v", data, err)
		}
		n++
	}
	if time.Since(start) > 10*streamEvery {
		t.Errorf("two snapshots took %v", time.Since(start))
	}
}

package admin

import (
	"cmp"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPICoversEveryRoute: docs/openapi.yaml documents exactly the
// operations the server registers.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := startStack(t, stackConfig("127.0.0.1:1"), nil)
	srv := New(Options{Engine: s.eng, Metrics: http404{}})
	var registered []string
	// The dashboard's page and files are documented by their paths.
	pages := map[string]string{"GET /{$}": "GET /", "GET /ui/": "GET /ui/{file}"}
	for _, r := range srv.Routes() {
		registered = append(registered, strings.ToLower(cmp.Or(pages[r], r)))
	}
	doc, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	path := ""
	for _, line := range strings.Split(string(doc), "\n") {
		if m := regexp.MustCompile(`^  (/\S*):$`).FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := regexp.MustCompile(`^    (get|put|post|delete|patch):$`).FindStringSubmatch(line); m != nil && path != "" {
			documented = append(documented, m[1]+" "+path)
		} else if strings.HasPrefix(line, "components:") {
			path = ""
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	if !slices.Equal(registered, documented) {
		t.Fatalf("registered:\n  %s\ndocumented:\n  %s", strings.Join(registered, "\n  "), strings.Join(documented, "\n  "))
	}
}

// http404 stands for a metrics handler: only its registration matters.
type http404 struct{}

func (http404) ServeHTTP(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotFound) }

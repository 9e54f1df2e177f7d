//go:build !wasip1

package wasmta

import "testing"

func TestCallWithoutHandlerHasNoOpinion(t *testing.T) {
	saved := onRoute
	t.Cleanup(func() { onRoute = saved })
	onRoute = nil
	if _, ok, err := CallRoute(&RouteInput{Domain: "example.com"}); ok || err != nil {
		t.Fatalf("CallRoute without handler = %v, %v; want no opinion", ok, err)
	}
	HandleRoute(func(in *RouteInput) (Route, bool) {
		return Route{MXDomain: "x", Hosts: []string{"y"}}, true
	})
	if _, ok, err := CallRoute(&RouteInput{}); !ok || err == nil {
		t.Fatalf("CallRoute with an invalid route = %v, %v; want decided with an error", ok, err)
	}
}

package admin

import (
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// The admin API is reached by the CLI and by scripts, and later by a web
// dashboard served from the same listener; it must never act on a request
// that a web page of another origin made a browser send. A tokenless
// loopback listener is otherwise open to any page open in a browser on the
// host: a form or fetch() POST with Content-Type text/plain needs no CORS
// preflight, and DNS rebinding turns a foreign name into 127.0.0.1. Three
// checks close that, with or without a token:
//
//   - Host must name this listener: an address of the connection's local
//     end, "localhost", or a name in admin.allowed_hosts (421 otherwise).
//     A rebinding page's requests carry its own name in Host.
//   - A request a browser marks as coming from another site or origin
//     (Sec-Fetch-Site cross-site or same-site), or whose Origin is not the
//     Host it was sent to, is refused with 403.
//   - A request body must have the media type its endpoint reads
//     (application/json; application/wasm for a module), 415 otherwise: the
//     types a page may send without a preflight (text/plain, forms) are
//     never read.

// checkSite refuses a request that did not come from this listener's own
// origin, or that names a host the listener does not answer to.
func (s *Server) checkSite(r *http.Request) *Error {
	if !s.knownHost(r) {
		return Errorf(http.StatusMisdirectedRequest,
			"Host %q is not an address of this listener, localhost, or a name in admin.allowed_hosts", r.Host)
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none": // none: typed by the user, a bookmark
	default:
		return Errorf(http.StatusForbidden, "cross-origin request refused (Sec-Fetch-Site: %s)", site)
	}
	if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r.Host) {
		return Errorf(http.StatusForbidden, "cross-origin request refused (Origin %q is not %q)", o, r.Host)
	}
	return nil
}

// knownHost reports whether the Host of r names this listener. An IP
// literal must be the address the connection came in on, so that a
// wildcard listener answers to each of its addresses and to no other.
func (s *Server) knownHost(r *http.Request) bool {
	host := hostOnly(r.Host)
	if host == "" {
		return false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		local, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		if !ok {
			return false
		}
		ap, err := netip.ParseAddrPort(local.String())
		return err == nil && ap.Addr().Unmap() == a.Unmap()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == "localhost" || slices.Contains(s.allowedHosts, host)
}

// hostOnly strips the port and the brackets of an IPv6 literal from a
// Host header value.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

// sameOrigin reports whether an Origin header names the authority the
// request was sent to. The scheme is not compared: a TLS proxy in front
// of the listener makes the browser's https origin arrive as plain HTTP.
// "null" (a sandboxed frame, a file: page) is never the same origin.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return strings.EqualFold(withPort(u.Host, u.Scheme), withPort(host, u.Scheme))
}

// withPort adds the scheme's default port to a host without one.
func withPort(hostport, scheme string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	port := "80"
	if scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(hostOnly(hostport), port)
}

// Media types of request bodies.
const (
	mediaJSON = "application/json"
	mediaWasm = "application/wasm"
)

// checkBody refuses a request that carries a body, or declares a type for
// one, unless its media type is one the endpoint reads.
func checkBody(r *http.Request, accept ...string) *Error {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(accept, mt) {
		return nil
	}
	return Errorf(http.StatusUnsupportedMediaType, "Content-Type %q: send %s", ct, strings.Join(accept, " or "))
}

// normalHosts lowercases the configured host names and drops a final dot.
func normalHosts(hosts []string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		out = append(out, strings.ToLower(strings.TrimSuffix(h, ".")))
	}
	return out
}

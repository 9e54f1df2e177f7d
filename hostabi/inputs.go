package hostabi

import (
	"bytes"
	"net"
	"slices"
	"strings"

	"github.com/wasmta/wasmta/mta/policy"
)

// inputKeys are the fixed input keys of ABI v1 in any hook; a key here but
// not in the current hook is NOT_AVAILABLE rather than NOT_FOUND.
var inputKeys = map[string]bool{
	"peer.addr": true, "peer.ip": true, "peer.helo": true, "peer.auth_user": true,
	"peer.tls": true, "tenant": true, "campaign": true, "sender": true,
	"recipient": true, "recipients": true, "size": true, "header": true,
	"meta": true, "domain": true, "site": true, "source": true, "pool": true,
	"mx_hosts": true, "provider": true, "stage": true, "code": true,
	"enhanced": true, "text": true, "reputation": true,
}

// missingInput is the status of a key the current hook does not have.
func missingInput(key string) (value, int32) {
	if inputKeys[key] || strings.HasPrefix(key, "meta.") || strings.HasPrefix(key, "header.") ||
		strings.HasPrefix(key, reputationPrefix) {
		return value{}, statusNotAvailable
	}
	return value{}, statusNotFound
}

func found(v value) (value, int32) { return v, 0 }

// peerInput answers the peer.* keys of the reception hooks.
func peerInput(p *policy.Peer, key string) (value, int32) {
	switch key {
	case "peer.addr":
		return found(strValue(p.Addr))
	case "peer.ip":
		return found(strValue(peerIP(p)))
	case "peer.helo":
		return found(strValue(p.Helo))
	case "peer.auth_user":
		return found(strValue(p.AuthUser))
	case "peer.tls":
		if p.TLS {
			return found(intValue(1))
		}
		return found(intValue(0))
	}
	return missingInput(key)
}

// peerIP is the peer.ip input: p.IP when the caller gave it, else Addr's host.
func peerIP(p *policy.Peer) string {
	if p.IP != "" {
		return p.IP
	}
	return hostOf(p.Addr)
}

// hostOf strips the port of an ip:port address, leaving anything else as is.
func hostOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func lookupMailFrom(c *call, key string) (value, int32) {
	in := c.in.(*policy.MailFromInput)
	switch key {
	case "tenant":
		return found(strValue(in.Tenant))
	case "sender":
		return found(strValue(in.Sender))
	}
	return peerInput(&in.Peer, key)
}

func lookupRcpt(c *call, key string) (value, int32) {
	in := c.in.(*policy.RcptInput)
	switch key {
	case "tenant":
		return found(strValue(in.Tenant))
	case "campaign":
		return found(strValue(in.Campaign))
	case "sender":
		return found(strValue(in.Sender))
	case "recipient":
		return found(strValue(in.Recipient))
	}
	return peerInput(&in.Peer, key)
}

func lookupMessage(c *call, key string) (value, int32) {
	in := c.in.(*policy.MessageInput)
	switch key {
	case "tenant":
		return found(strValue(in.Tenant))
	case "campaign":
		return found(strValue(in.Campaign))
	case "sender":
		return found(strValue(in.Sender))
	case "recipients":
		return found(listValue(in.Recipients))
	case "size":
		return found(intValue(max(in.Size, 0)))
	case "header":
		return found(value{kind: kindStr, b: in.Header})
	}
	if v, st, ok := reputationInput(in.Reputation, key, false); ok {
		return v, st
	}
	if name, ok := strings.CutPrefix(key, "header."); ok {
		if v, ok := headerField(in.Header, name); ok {
			return found(strValue(v))
		}
		return value{}, statusNotFound
	}
	if v, st := metaInput(c, in.Meta, key); st != statusNotAvailable {
		return v, st
	}
	return peerInput(&in.Peer, key)
}

// metaInput answers "meta" and "meta.NAME" from m; statusNotAvailable means
// the key is not a meta key.
func metaInput(c *call, m map[string]string, key string) (value, int32) {
	if key == "meta" {
		if c.scratch == nil {
			c.scratch = make([]string, 0, len(m))
			for k := range m {
				c.scratch = append(c.scratch, k)
			}
			slices.Sort(c.scratch)
		}
		return found(listValue(c.scratch))
	}
	if name, ok := strings.CutPrefix(key, "meta."); ok {
		if v, ok := m[name]; ok {
			return found(strValue(v))
		}
		return value{}, statusNotFound
	}
	return value{}, statusNotAvailable
}

// headerField returns the first field called name (case-insensitive) of a
// raw header block, unfolded and trimmed.
func headerField(block []byte, name string) (string, bool) {
	lines := bytes.Split(block, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSuffix(lines[i], []byte("\r"))
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !strings.EqualFold(string(bytes.TrimRight(line[:colon], " \t")), name) {
			continue
		}
		var v strings.Builder
		v.Write(line[colon+1:])
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			v.Write(bytes.TrimSuffix(lines[i], []byte("\r")))
		}
		return strings.TrimSpace(v.String()), true
	}
	return "", false
}

func lookupRoute(c *call, key string) (value, int32) {
	in := c.in.(*policy.RouteInput)
	switch key {
	case "tenant":
		return found(strValue(in.Tenant))
	case "campaign":
		return found(strValue(in.Campaign))
	case "domain":
		return found(strValue(in.Domain))
	}
	return missingInput(key)
}

func lookupPool(c *call, key string) (value, int32) {
	in := c.in.(*policy.PoolInput)
	switch key {
	case "tenant":
		return found(strValue(in.Tenant))
	case "campaign":
		return found(strValue(in.Campaign))
	case "domain":
		return found(strValue(in.Domain))
	case "site":
		return found(strValue(in.Site))
	case "pools":
		return found(listValue(poolNames(in.Reputation)))
	}
	if v, st, ok := reputationInput(in.Reputation, key, true); ok {
		return v, st
	}
	if v, st := metaInput(c, in.Meta, key); st != statusNotAvailable {
		return v, st
	}
	return missingInput(key)
}

func lookupShape(c *call, key string) (value, int32) {
	in := c.in.(*policy.ShapeInput)
	switch key {
	case "source":
		return found(strValue(in.Source))
	case "pool":
		return found(strValue(in.Pool))
	case "site":
		return found(strValue(in.Site))
	case "domain":
		return found(strValue(in.Domain))
	case "mx_hosts":
		return found(listValue(in.MXHosts))
	case "provider":
		return found(strValue(in.Provider))
	}
	return missingInput(key)
}

func lookupClassify(c *call, key string) (value, int32) {
	in := c.in.(*policy.ClassifyInput)
	switch key {
	case "tenant":
		return found(strValue(in.Tenant))
	case "site":
		return found(strValue(in.Site))
	case "domain":
		return found(strValue(in.Domain))
	case "source":
		return found(strValue(in.Source))
	case "stage":
		return found(strValue(in.Stage))
	case "code":
		return found(intValue(int64(max(in.Code, 0))))
	case "enhanced":
		return found(strValue(in.Enhanced))
	case "text":
		return found(strValue(in.Text))
	}
	return missingInput(key)
}

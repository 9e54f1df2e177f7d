// Command sdkprobe is a test policy for the Go SDK: every hook echoes its
// inputs into results, so the case file sdkprobe.toml checks that each
// input reaches the handler and each result reaches the host, including
// inputs larger than the SDK's first buffer.
package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

func init() {
	wasmta.HandleMailFrom(func(in *wasmta.MailFromInput) (wasmta.MailFromResult, bool) {
		if in.Tenant == "pass" {
			return wasmta.MailFromResult{}, false
		}
		return wasmta.MailFromResult{
			Tenant:   "t-" + in.Tenant,
			Campaign: "c-" + in.Sender,
			Meta: map[string]string{
				"addr": in.Peer.Addr, "ip": in.Peer.IP, "helo": in.Peer.Helo,
				"auth": in.Peer.AuthUser, "tls": strconv.FormatBool(in.Peer.TLS),
			},
		}, true
	})
	wasmta.HandleRcpt(func(in *wasmta.RcptInput) (wasmta.RcptResult, bool) {
		if !strings.HasPrefix(in.Recipient, "reject") {
			return wasmta.RcptResult{}, false
		}
		return wasmta.RcptResult{Reject: &wasmta.Reply{Code: 550, Enhanced: "5.1.1", Text: in.Campaign + " " + in.Recipient}}, true
	})
	wasmta.HandleMessage(message)
	wasmta.HandleRoute(route)
	wasmta.HandleSelectPool(func(in *wasmta.PoolInput) (string, bool) {
		if p, ok := in.Meta["pool"]; ok {
			return p, true
		}
		if len(in.Site) > 1000 {
			return "long-site-" + strconv.Itoa(len(in.Site)), true
		}
		return in.Tenant + "-" + in.Campaign + "-" + in.Domain, true
	})
	wasmta.HandleShape(func(in *wasmta.ShapeInput) (wasmta.Shape, bool) {
		return wasmta.Shape{
			MaxConnections:        len(in.MXHosts),
			MessagesPerSecond:     1.5 * float64(len(in.MXHosts)),
			MessagesPerConnection: len(in.Source + in.Pool + in.Site + in.Domain),
			TLS:                   in.Provider,
			RetryInitial:          time.Minute,
			RetryMax:              time.Hour,
		}, true
	})
	wasmta.HandleClassify(classify)
}

func message(in *wasmta.MessageInput) (wasmta.MessageResult, bool) {
	subject, _ := in.HeaderValue("Subject")
	return wasmta.MessageResult{
		Meta: map[string]string{
			"recipients": strings.Join(in.Recipients, ","),
			"size":       strconv.FormatInt(in.Size, 10),
			"subject":    subject,
			"origin":     in.Meta["origin"],
		},
		AddHeaders: []wasmta.HeaderField{{Name: "X-Probe", Value: "one"}, {Name: "X-Probe", Value: "two"}},
		DKIM:       "example.org:s1",
	}, true
}

func route(in *wasmta.RouteInput) (wasmta.Route, bool) {
	switch {
	case in.Domain == "many.example":
		hosts := make([]string, 16)
		for i := range hosts {
			hosts[i] = "relay" + strconv.Itoa(i) + ".example.net:2525"
		}
		return wasmta.Route{Hosts: hosts}, true
	case in.Domain == "both.example":
		return wasmta.Route{MXDomain: "a.example", Hosts: []string{"b.example"}}, true // a fault
	case in.Tenant != "":
		return wasmta.Route{MXDomain: in.Tenant + "." + in.Domain}, true
	}
	return wasmta.Route{}, false
}

// classify echoes: category from the text when it names one, the code as
// max_connections of a path action and the text length as threshold.
func classify(in *wasmta.ClassifyInput) (wasmta.Classification, bool) {
	c := wasmta.Classification{Category: wasmta.Other}
	if wasmta.ValidCategory(in.Text) {
		c.Category = in.Text
	}
	if in.Stage == "rcpt" {
		c.Scope, c.MaxConnections, c.Duration = wasmta.ScopePath, in.Code, time.Duration(len(in.Enhanced))*time.Second
		c.Threshold, c.Window = len(in.Text), time.Minute
	}
	if in.Tenant != "" {
		c.Action = wasmta.ActionRetry
	}
	return c, true
}

func main() {}

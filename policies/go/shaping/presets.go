package main

import (
	"time"

	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// preset is the shape of every path to one provider.
type preset struct {
	shape wasmta.Shape
}

// providerAliases maps provider names the host may pass to a preset.
var providerAliases = map[string]string{
	"gmail": "gmail", "google": "gmail",
	"yahoo": "yahoo", "aol": "yahoo",
	"microsoft": "microsoft", "outlook": "microsoft", "hotmail": "microsoft", "office365": "microsoft",
	"apple": "apple", "icloud": "apple",
}

// mxSuffixes recognises a provider by the MX hosts of a site. Order does
// not matter: the suffixes do not overlap.
var mxSuffixes = []struct{ suffix, provider string }{
	{".google.com", "gmail"},                 // gmail-smtp-in.l.google.com, aspmx.l.google.com
	{".googlemail.com", "gmail"},             // older Google MX names
	{".yahoodns.net", "yahoo"},               // mta5.am0.yahoodns.net, mx-aol.mail.gm0.yahoodns.net
	{".protection.outlook.com", "microsoft"}, // olc (consumer) and mail (Microsoft 365)
	{".mx.microsoft", "microsoft"},           // Microsoft 365 DANE MX names
	{".icloud.com", "apple"},                 // mx01.mail.icloud.com, mx02.mail.icloud.com
}

// presets: see PRESETS.md for the source of every figure. Rates are per
// egress path, i.e. per sending IP to the provider.
var presets = map[string]preset{
	"gmail": {wasmta.Shape{
		MaxConnections:        5,
		MessagesPerSecond:     20,
		ConnectionsPerSecond:  100.0 / 60,
		MessagesPerConnection: 50,
		TLS:                   wasmta.TLSRequired,
		RetryInitial:          10 * time.Minute,
		RetryMax:              2 * time.Hour,
	}},
	"yahoo": {wasmta.Shape{
		MaxConnections:        10,
		MessagesPerSecond:     10,
		ConnectionsPerSecond:  100.0 / 60,
		MessagesPerConnection: 20,
		RetryInitial:          30 * time.Minute,
		RetryMax:              4 * time.Hour,
	}},
	"microsoft": {wasmta.Shape{
		MaxConnections:        5,
		MessagesPerSecond:     10,
		ConnectionsPerSecond:  100.0 / 60,
		MessagesPerConnection: 50,
		RetryInitial:          15 * time.Minute,
		RetryMax:              4 * time.Hour,
	}},
	"apple": {wasmta.Shape{
		MaxConnections:        10,
		MessagesPerSecond:     5,
		ConnectionsPerSecond:  100.0 / 60,
		MessagesPerConnection: 5,
		RetryInitial:          15 * time.Minute,
		RetryMax:              4 * time.Hour,
	}},
	"default": {wasmta.Shape{
		MaxConnections:        10,
		MessagesPerSecond:     20,
		ConnectionsPerSecond:  100.0 / 60,
		MessagesPerConnection: 100,
		IdleTimeout:           60 * time.Second,
		RetryInitial:          20 * time.Minute,
		RetryMax:              4 * time.Hour,
	}},
}

package main

import (
	"github.com/wasmta/wasmta/sdk/go/bounce"
	"github.com/wasmta/wasmta/sdk/go/wasmta"
)

// classify is the built-in bounce classifier (sdk/go/bounce, which
// mta/policy compiles in too): a category and its default action.
func classify(in *wasmta.ClassifyInput) wasmta.Classification {
	r := bounce.ClassifyAt(in.Stage, in.Code, in.Enhanced, in.Text)
	return wasmta.Classification{Category: r.Category, Action: action(r.Action)}
}

// action is the ABI spelling of a, "" (unset) for the default.
func action(a bounce.Action) string {
	if a == bounce.Default {
		return ""
	}
	return a.String()
}

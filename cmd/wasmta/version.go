package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
)

// version is stamped by the linker: the Makefile passes
// -ldflags "-X main.version=$(git describe --always --dirty)".
var version = "dev"

// buildVersion is version, or for an unstamped build the VCS revision
// the Go toolchain recorded (when it did), so that "dev" is a last resort.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	rev, dirty := "", ""
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev == "" {
		return version
	}
	return "dev-" + rev + dirty
}

// userAgent is what wasmta sends as HTTP User-Agent (webhooks, the CLI).
func userAgent() string { return "wasmta/" + buildVersion() }

// versionInfo is `wasmta version --json`.
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

func versionCommand(args []string) error {
	v := versionInfo{Version: buildVersion(), GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	switch {
	case len(args) == 1 && args[0] == "--json":
		return json.NewEncoder(os.Stdout).Encode(v)
	case len(args) > 0:
		fmt.Fprint(os.Stderr, groupUsage["version"])
		return errUsage
	}
	fmt.Printf("wasmta %s (%s %s)\n", v.Version, v.GoVersion, v.Platform)
	return nil
}

// buildInfoGauge is wasmta_build_info: always 1, the version in labels
// (the Prometheus convention for what build a target runs).
func buildInfoGauge() prometheus.Collector {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "wasmta_build_info",
		Help: "The running build: version (git describe at build time) and Go version; always 1."},
		[]string{"version", "goversion"})
	g.WithLabelValues(buildVersion(), runtime.Version()).Set(1)
	return g
}

package hostabi_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasmta/wasmta/hostabi"
	"github.com/wasmta/wasmta/hostabi/policytest"
)

// TestGoSDKOnOlderHost runs the Go SDK's probe policy (every input echoed
// into results, policytest/testdata/sdkprobe) on a host without the
// packed "inputs" key (ABI v1.8): the SDK falls back to reading the keys
// one by one and every case passes as it does with the packed inputs.
func TestGoSDKOnOlderHost(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	wasm, err := policytest.BuildGo(ctx, filepath.Join("policytest", "testdata", "sdkprobe"))
	if err != nil {
		t.Fatal(err)
	}
	cases := filepath.Join("policytest", "testdata", "sdkprobe.toml")
	for _, withhold := range []bool{false, true} {
		hostabi.WithholdInputs(withhold)
		var out bytes.Buffer
		passed, failed, err := policytest.RunFile(ctx, wasm, cases, &out)
		if err != nil || failed != 0 || passed == 0 {
			t.Errorf("inputs withheld %v: %d passed, %d failed, %v\n%s", withhold, passed, failed, err, out.String())
		}
	}
	hostabi.WithholdInputs(false)
}

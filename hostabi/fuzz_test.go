package hostabi

import (
	"context"
	"strings"
	"testing"

	"github.com/wasmta/wasmta/mta/policy"
)

// FuzzHostCalls feeds arbitrary bytes, pointers, lengths and values to
// every host function against a real instance's memory. The host must
// never panic, must answer with a documented status, and a BAD_ARGUMENT
// must fault the call. Whatever is accepted must decode or be refused
// with an error, never a panic.
func FuzzHostCalls(f *testing.F) {
	f.Add([]byte("domainhostb.test"), uint32(0), uint32(6), uint32(6), uint32(4), uint32(10), uint32(6), int32(0), int64(5), 1.5)
	f.Add([]byte("hosta.example:25"), uint32(0), uint32(4), uint32(4), uint32(12), uint32(0xfffffff0), uint32(100), int32(-1), int64(-3), 0.0)
	f.Add([]byte("meta.kvalue"), uint32(0), uint32(6), uint32(6), uint32(5), uint32(65530), uint32(10), int32(2), int64(1<<40), -2.0)
	th := newTestHost(f, nil)
	m := th.load(f, "fuzz", "noop")
	inst, err := m.pool.get(context.Background(), m)
	if err != nil {
		f.Fatal(err)
	}
	mem := inst.mod.Memory()
	f.Fuzz(func(t *testing.T, data []byte, kp, kl, vp, vl, bp, bc uint32, idx int32, n int64, x float64) {
		if len(data) > 4096 {
			data = data[:4096]
		}
		mem.Write(0, data)
		for _, h := range []hookID{hookRoute, hookMessage, hookClassify} {
			c := &inst.call
			c.begin(h, fuzzLookup(h), fuzzInput(h))
			statuses := []int64{
				int64(c.get(mem, kp, kl, bp, bc)), c.getI64(mem, kp, kl), int64(c.count(mem, kp, kl)),
				int64(c.getAt(mem, kp, kl, idx, bp, bc)), int64(c.set(mem, kp, kl, vp, vl)),
				int64(c.setI64(mem, kp, kl, n)), int64(c.setF64(mem, kp, kl, x)),
			}
			for i, st := range statuses {
				if st < 0 && statusNames[int32(st)] == "" {
					t.Fatalf("call %d returned undocumented status %d", i, st)
				}
				if st == int64(statusBadArgument) && c.fault == nil {
					t.Fatalf("call %d: BAD_ARGUMENT without a fault", i)
				}
			}
			if len(c.results) > maxResultCalls || c.nbytes > maxResultBytes {
				t.Fatalf("limits broken: %d results, %d bytes", len(c.results), c.nbytes)
			}
			_, _ = decodeRoute(c.results)
			_, _ = decodeMessage(c.results)
			_, _ = decodeClassify(c.results)
			c.end()
		}
	})
}

func fuzzLookup(h hookID) lookupFunc {
	switch h {
	case hookMessage:
		return lookupMessage
	case hookClassify:
		return lookupClassify
	}
	return lookupRoute
}

func fuzzInput(h hookID) any {
	switch h {
	case hookMessage:
		return &policy.MessageInput{Recipients: []string{"a@b"}, Header: []byte("Subject: x"),
			Meta: map[string]string{"k": "v"}, Size: 3}
	case hookClassify:
		return &policy.ClassifyInput{Code: 421, Text: "slow down"}
	}
	return &policy.RouteInput{Domain: "b.test", Tenant: "fuzz"}
}

// FuzzHeaderField parses arbitrary header blocks: never a panic, and the
// unfolded value of a field never spans lines.
func FuzzHeaderField(f *testing.F) {
	f.Add([]byte("Subject: hi\r\n there\r\nTo: x"), "subject")
	f.Add([]byte(":\n\n: \r\n\t\r"), "")
	f.Add([]byte("X-A : 1\nx-a: 2"), "X-A")
	f.Fuzz(func(t *testing.T, block []byte, name string) {
		v, ok := headerField(block, name)
		if !ok && v != "" {
			t.Fatal("value without a field")
		}
		if strings.Contains(v, "\n") {
			t.Fatalf("value %q spans lines", v)
		}
	})
}

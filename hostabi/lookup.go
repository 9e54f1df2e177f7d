package hostabi

import (
	"context"
	"unsafe"

	"github.com/tetratelabs/wazero/api"
	"github.com/wasmta/wasmta/mta/policy"
)

// Limits of wasmta.lookup (ABI.md sections 2.1 and 6): per call, so that a
// policy reading tables stays bounded like one that only reads its inputs.
const (
	maxLookups        = 64
	maxLookupBytes    = 1 << 20 // value bytes returned by the lookups of one call
	maxTableNameLen   = 64
	maxLookupKeyBytes = 1024
)

func fnLookup(ctx context.Context, m api.Module, s []uint64) {
	inst := instanceOf(ctx)
	putStatus(s, inst.call.lookupRow(m.Memory(), u32(s[0]), u32(s[1]), u32(s[2]), u32(s[3]), u32(s[4]), u32(s[5])))
}

// lookupRow implements wasmta.lookup(table, key, buf, cap): the value's
// full length when the key is in the table (with get's buffer rule),
// NOT_FOUND when the table or the key is absent.
func (c *call) lookupRow(mem api.Memory, tp, tl, kp, kl, bp, bc uint32) int32 {
	if !c.active {
		return statusNotAvailable
	}
	name, ok := mem.Read(tp, tl)
	if !ok || tl == 0 || tl > maxTableNameLen {
		return c.fail(statusBadArgument, "lookup", "table name (%d, %d) outside memory, empty or longer than %d", tp, tl, maxTableNameLen)
	}
	key, ok := mem.Read(kp, kl)
	if !ok {
		return c.fail(statusBadArgument, "lookup", "key (%d, %d) outside memory", kp, kl)
	}
	if _, ok := mem.Read(bp, bc); !ok {
		return c.fail(statusBadArgument, "lookup", "buffer (%d, %d) outside memory", bp, bc)
	}
	if c.lookups++; c.lookups > maxLookups {
		return c.fail(statusLimit, "lookup", "more than %d lookups in one call", maxLookups)
	}
	if c.tables == nil || kl == 0 || kl > maxLookupKeyBytes {
		return statusNotFound // no table holds such a key: an input used as a key may be anything
	}
	// name and key alias guest memory: Lookup keeps neither.
	val, found, read, err := c.tables.Lookup(c.tenant, unsafe.String(&name[0], len(name)), bytesString(key))
	if err != nil {
		return c.fail(statusNotAvailable, "lookup", "table %q: %v", string(name), err)
	}
	c.noteRead(read)
	if !found {
		return statusNotFound
	}
	if c.lookupBytes += len(val); c.lookupBytes > maxLookupBytes {
		return c.fail(statusLimit, "lookup", "more than %d value bytes looked up in one call", maxLookupBytes)
	}
	return copyOut(mem, bp, bc, "", val)
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// noteRead remembers a table the call read, once.
func (c *call) noteRead(r policy.TableRead) {
	for _, have := range c.reads {
		if have == r {
			return
		}
	}
	c.reads = append(c.reads, r)
}

// callTenant is the tenant a call decides for: the tables it looks up are
// that tenant's, then the global ones. Shape decides for a path, which
// every tenant shares: only global tables.
func callTenant(in any) string {
	switch in := in.(type) {
	case *policy.MailFromInput:
		return in.Tenant
	case *policy.RcptInput:
		return in.Tenant
	case *policy.MessageInput:
		return in.Tenant
	case *policy.RouteInput:
		return in.Tenant
	case *policy.PoolInput:
		return in.Tenant
	case *policy.ClassifyInput:
		return in.Tenant
	}
	return ""
}

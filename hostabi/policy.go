package hostabi

import (
	"context"

	"github.com/wasmta/wasmta/mta/policy"
)

// The policy.Policy methods. Each runs its hook through decide.

var _ policy.Policy = (*Module)(nil)

// decide runs hook h on in and decodes its results. When this version was
// retired between the caller's Registry.For and the call, it hands the
// call to the current version (again) so that no decision after a swap
// uses the old one; with no current version the hook has no opinion.
func decide[Out any](ctx context.Context, m *Module, h hookID, lookup lookupFunc, in any,
	decode func([]result) (Out, error), again func(policy.Policy) (Out, error)) (Out, error) {
	var out Out
	err := m.run(ctx, h, lookup, in, func(rs []result) (err error) {
		out, err = decode(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return again(p)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) OnMailFrom(ctx context.Context, in *policy.MailFromInput) (policy.MailFromResult, error) {
	return decide(ctx, m, hookMailFrom, lookupMailFrom, in, decodeMailFrom,
		func(p policy.Policy) (policy.MailFromResult, error) { return p.OnMailFrom(ctx, in) })
}

func (m *Module) OnRcpt(ctx context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	return decide(ctx, m, hookRcpt, lookupRcpt, in, decodeRcpt,
		func(p policy.Policy) (policy.RcptResult, error) { return p.OnRcpt(ctx, in) })
}

func (m *Module) OnMessage(ctx context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	return decide(ctx, m, hookMessage, lookupMessage, in, decodeMessage,
		func(p policy.Policy) (policy.MessageResult, error) { return p.OnMessage(ctx, in) })
}

func (m *Module) Route(ctx context.Context, in *policy.RouteInput) (policy.Route, error) {
	return decide(ctx, m, hookRoute, lookupRoute, in, decodeRoute,
		func(p policy.Policy) (policy.Route, error) { return p.Route(ctx, in) })
}

func (m *Module) SelectPool(ctx context.Context, in *policy.PoolInput) (string, error) {
	return decide(ctx, m, hookSelectPool, lookupPool, in, decodePool,
		func(p policy.Policy) (string, error) { return p.SelectPool(ctx, in) })
}

func (m *Module) Shape(ctx context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	return decide(ctx, m, hookShape, lookupShape, in, decodeShape,
		func(p policy.Policy) (policy.Shape, error) { return p.Shape(ctx, in) })
}

func (m *Module) Classify(ctx context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	return decide(ctx, m, hookClassify, lookupClassify, in, decodeClassify,
		func(p policy.Policy) (policy.Classification, error) { return p.Classify(ctx, in) })
}

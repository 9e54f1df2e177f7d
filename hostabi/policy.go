package hostabi

import (
	"context"

	"github.com/wasmta/wasmta/mta/policy"
)

// The policy.Policy methods. Each runs its hook and, when this version was
// retired between the caller's Registry.For and the call, hands the call
// to the current version so that no decision after a swap uses the old one.

var _ policy.Policy = (*Module)(nil)

func (m *Module) OnMailFrom(ctx context.Context, in *policy.MailFromInput) (policy.MailFromResult, error) {
	var out policy.MailFromResult
	err := m.run(ctx, hookMailFrom, lookupMailFrom, in, func(rs []result) (err error) {
		out, err = decodeMailFrom(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.OnMailFrom(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) OnRcpt(ctx context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	var out policy.RcptResult
	err := m.run(ctx, hookRcpt, lookupRcpt, in, func(rs []result) (err error) {
		out, err = decodeRcpt(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.OnRcpt(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) OnMessage(ctx context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	var out policy.MessageResult
	err := m.run(ctx, hookMessage, lookupMessage, in, func(rs []result) (err error) {
		out, err = decodeMessage(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.OnMessage(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) Route(ctx context.Context, in *policy.RouteInput) (policy.Route, error) {
	var out policy.Route
	err := m.run(ctx, hookRoute, lookupRoute, in, func(rs []result) (err error) {
		out, err = decodeRoute(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.Route(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) SelectPool(ctx context.Context, in *policy.PoolInput) (string, error) {
	var out string
	err := m.run(ctx, hookSelectPool, lookupPool, in, func(rs []result) (err error) {
		out, err = decodePool(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.SelectPool(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) Shape(ctx context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	var out policy.Shape
	err := m.run(ctx, hookShape, lookupShape, in, func(rs []result) (err error) {
		out, err = decodeShape(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.Shape(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

func (m *Module) Classify(ctx context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	var out policy.Classification
	err := m.run(ctx, hookClassify, lookupClassify, in, func(rs []result) (err error) {
		out, err = decodeClassify(rs)
		return err
	})
	if err == errRetired {
		if p := m.successor(); p != nil {
			return p.Classify(ctx, in)
		}
		err = policy.ErrNotImplemented
	}
	return out, err
}

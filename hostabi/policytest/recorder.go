package policytest

import (
	"context"

	"github.com/wasmta/wasmta/mta/policy"
)

// recorder passes calls to p and keeps the error of the last one, so the
// runner can tell a decision from "no opinion" and from a fault after the
// Guard has applied its fallback.
type recorder struct {
	p   policy.Policy
	err error
}

var _ policy.Policy = (*recorder)(nil)

func (r *recorder) Version() string { return r.p.Version() }

func (r *recorder) OnMailFrom(ctx context.Context, in *policy.MailFromInput) (policy.MailFromResult, error) {
	v, err := r.p.OnMailFrom(ctx, in)
	r.err = err
	return v, err
}

func (r *recorder) OnRcpt(ctx context.Context, in *policy.RcptInput) (policy.RcptResult, error) {
	v, err := r.p.OnRcpt(ctx, in)
	r.err = err
	return v, err
}

func (r *recorder) OnMessage(ctx context.Context, in *policy.MessageInput) (policy.MessageResult, error) {
	v, err := r.p.OnMessage(ctx, in)
	r.err = err
	return v, err
}

func (r *recorder) Route(ctx context.Context, in *policy.RouteInput) (policy.Route, error) {
	v, err := r.p.Route(ctx, in)
	r.err = err
	return v, err
}

func (r *recorder) SelectPool(ctx context.Context, in *policy.PoolInput) (string, error) {
	v, err := r.p.SelectPool(ctx, in)
	r.err = err
	return v, err
}

func (r *recorder) Shape(ctx context.Context, in *policy.ShapeInput) (policy.Shape, error) {
	v, err := r.p.Shape(ctx, in)
	r.err = err
	return v, err
}

func (r *recorder) Classify(ctx context.Context, in *policy.ClassifyInput) (policy.Classification, error) {
	v, err := r.p.Classify(ctx, in)
	r.err = err
	return v, err
}

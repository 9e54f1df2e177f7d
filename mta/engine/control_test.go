package engine

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/wasmta/wasmta/internal/testsink"
	"github.com/wasmta/wasmta/mta/config"
	"github.com/wasmta/wasmta/mta/events"
	"github.com/wasmta/wasmta/mta/policy"
	"github.com/wasmta/wasmta/mta/shaping"
	"github.com/wasmta/wasmta/mta/spool"
)

func TestSourceThatCannotBindIsNamed(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte("spool_dir = \"" + t.TempDir() + "\"\n" +
		"[[source]]\nname = \"lo2\"\naddress = \"127.0.0.2\"\n" +
		"[[source]]\nname = \"ip-doc\"\naddress = \"192.0.2.1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg, Options{})
	if err == nil || !strings.Contains(err.Error(), `source "ip-doc"`) || !strings.Contains(err.Error(), "192.0.2.1") {
		t.Fatalf("New = %v, want an error naming source ip-doc and 192.0.2.1", err)
	}
}

// TestReadyQueuesStayBounded sends to a slow sink through one connection
// with room for 20 ready jobs: the scheduled queues keep the rest, the
// ready queues never grow past their bound, and everything is delivered.
func TestReadyQueuesStayBounded(t *testing.T) {
	sink := testsink.Start(t, testsink.Options{CountOnly: true, Delay: map[string]time.Duration{testsink.StageData: 10 * time.Millisecond}})
	e, rec, addr := testEngine(t, routeTo(sink)+"[delivery]\nmax_connections_per_path = 1\n", Options{MaxReadyJobs: 20})
	const n = 300
	done := make(chan struct{})
	var peakReady, peakSched atomic.Int64
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			peakReady.Store(max(peakReady.Load(), int64(e.ready.Queued())))
			peakSched.Store(max(peakSched.Load(), int64(e.sched.Len())))
		}
	}()
	cl, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := cl.SendMail("s@sender.test", []string{"r@example.test"}, strings.NewReader(testBody(i))); err != nil {
			t.Fatal(err)
		}
	}
	cl.Quit()
	rec.WaitFor(t, events.Delivery, n, 30*time.Second)
	close(done)
	t.Logf("peak ready jobs %d (bound 20), peak scheduled items %d", peakReady.Load(), peakSched.Load())
	if peakReady.Load() > 20 {
		t.Fatalf("ready queues held %d jobs, bound 20", peakReady.Load())
	}
	if peakSched.Load() < n/2 {
		t.Fatalf("the scheduled queues held at most %d items: the dispatchers did not stop pulling", peakSched.Load())
	}
	if rec.Count(events.Delivery) != n || rec.Count(events.TransientFailure) != 0 {
		t.Fatalf("%d delivered, %d deferred", rec.Count(events.Delivery), rec.Count(events.TransientFailure))
	}
	waitSpoolEmpty(t, e)
}

// TestHeapOverLimitAnswers452 sets a heap limit below any live heap:
// reception answers 452 4.3.1 and keeps nothing half-accepted.
func TestHeapOverLimitAnswers452(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	e, _, addr := testEngine(t, routeTo(sink), Options{MaxHeapBytes: 1})
	deadline := time.Now().Add(2 * time.Second)
	for e.Admission() == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := e.Admission(); !errors.Is(err, spool.ErrFull) || !strings.Contains(err.Error(), "memory") {
		t.Fatalf("Admission = %v, want a memory error wrapping spool.ErrFull", err)
	}
	err := trySend(addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	var serr *smtp.SMTPError
	if !errors.As(err, &serr) || serr.Code != 452 || serr.EnhancedCode != (smtp.EnhancedCode{4, 3, 1}) {
		t.Fatalf("send over the heap limit: %v, want 452 4.3.1", err)
	}
	if e.sched.Len() != 0 || sink.Count() != 0 {
		t.Fatal("a refused message was queued or delivered")
	}
}

// TestActionsSurviveARestart suspends a site, restarts the engine on the
// same spool: the suspension is still in force (the message waits), and
// the message goes out when it expires. The suspension outlasts the close
// and the restart by a wide margin (8 s; with 3 s, a run at load ~34 found
// it expired by the time the second engine listed its actions).
func TestActionsSurviveARestart(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	dir := t.TempDir()
	e, _, addr := startAt(t, dir, routeTo(sink), Options{})
	site := "route:" + sink.Addr()
	a, _, err := e.Shaping().Add(shaping.Action{Kind: shaping.Suspend, Select: shaping.Selector{Site: site},
		Origin: shaping.OriginAdmin, Reason: "maintenance", Expires: time.Now().Add(8 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	time.Sleep(300 * time.Millisecond)
	e.Close()
	e2, rec2, _ := startAt(t, dir, routeTo(sink), Options{})
	if l := e2.Shaping().List(); len(l) != 1 || l[0].ID != a.ID {
		t.Fatalf("after restart the actions are %+v, want %s", l, a.ID)
	}
	time.Sleep(time.Until(a.Expires) - 500*time.Millisecond)
	if sink.Count() != 0 {
		t.Fatal("delivered during the suspension")
	}
	rec2.WaitFor(t, events.Delivery, 1, 20*time.Second) // returns at the delivery
	if d := rec2.All(events.Delivery)[0]; d.Time.Before(a.Expires) {
		t.Fatalf("delivered at %v, before the suspension ended at %v", d.Time, a.Expires)
	}
}

// TestClassifyActionBecomesALiveAction: a classification with a scope
// starts an action with its reason, listed with origin policy.
func TestClassifyActionBecomesALiveAction(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{Respond: func(stage, _ string, _ int) *smtp.SMTPError {
		if stage == testsink.StageMail {
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 28}, Message: "unusual rate"}
		}
		return nil
	}})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", classify: policy.Classification{Category: policy.CategoryRateLimited,
		Scope: policy.ScopeSite, RateFactor: 0.5, Duration: time.Hour}})
	e, rec, addr := testEngine(t, routeTo(sink)+"[queue]\nretry_initial = \"1h\"\n", Options{Registry: reg})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.ShapingChange, 1, 5*time.Second)
	l := e.Shaping().List()
	if len(l) != 1 || l[0].Origin != shaping.OriginPolicy || l[0].Kind != shaping.Shape || l[0].Shape.RateFactor != 0.5 ||
		!l[0].Shape.Lower || !strings.Contains(l[0].Reason, "421 4.7.28 unusual rate") {
		t.Fatalf("actions = %+v", l)
	}
}

// TestShapeAskedAgainWhenThePolicyChanges swaps the global policy: the
// next message on an existing path brings the new version's shape.
func TestShapeAskedAgainWhenThePolicyChanges(t *testing.T) {
	t.Parallel()
	sink := testsink.Start(t, testsink.Options{})
	reg := &swapRegistry{}
	reg.p.Store(&scriptedPolicy{version: "v1", shape: policy.Shape{MaxConnections: 1}})
	e, rec, addr := testEngine(t, routeTo(sink), Options{Registry: reg})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(1))
	rec.WaitFor(t, events.Delivery, 1, 5*time.Second)
	p := e.ready.Paths()[0]
	if s, v := p.BaseShape(); v != "v1" || s.MaxConnections != 1 {
		t.Fatalf("shape %+v from %q, want 1 connection from v1", s, v)
	}
	reg.p.Store(&scriptedPolicy{version: "v2", shape: policy.Shape{MaxConnections: 3}})
	send(t, addr, "s@sender.test", []string{"r@example.test"}, testBody(2))
	rec.WaitFor(t, events.Delivery, 2, 5*time.Second)
	if s, v := p.Shape(); v != "v2" || s.MaxConnections != 3 {
		t.Fatalf("shape %+v from %q after the swap, want 3 connections from v2", s, v)
	}
}

// scriptedPolicy answers shape and classify with fixed decisions.
type scriptedPolicy struct {
	version  string
	shape    policy.Shape
	classify policy.Classification
	route    *policy.Route // nil: not implemented
}

func (p *scriptedPolicy) Version() string { return p.version }
func (p *scriptedPolicy) OnMailFrom(context.Context, *policy.MailFromInput) (policy.MailFromResult, error) {
	return policy.MailFromResult{}, policy.ErrNotImplemented
}
func (p *scriptedPolicy) OnRcpt(context.Context, *policy.RcptInput) (policy.RcptResult, error) {
	return policy.RcptResult{}, policy.ErrNotImplemented
}
func (p *scriptedPolicy) OnMessage(context.Context, *policy.MessageInput) (policy.MessageResult, error) {
	return policy.MessageResult{}, policy.ErrNotImplemented
}
func (p *scriptedPolicy) Route(context.Context, *policy.RouteInput) (policy.Route, error) {
	if p.route == nil {
		return policy.Route{}, policy.ErrNotImplemented
	}
	return *p.route, nil
}
func (p *scriptedPolicy) SelectPool(context.Context, *policy.PoolInput) (string, error) {
	return "", policy.ErrNotImplemented
}
func (p *scriptedPolicy) Shape(context.Context, *policy.ShapeInput) (policy.Shape, error) {
	return p.shape, nil
}
func (p *scriptedPolicy) Classify(context.Context, *policy.ClassifyInput) (policy.Classification, error) {
	if p.classify.Category == "" {
		return policy.Classification{}, policy.ErrNotImplemented
	}
	return p.classify, nil
}

type swapRegistry struct {
	p atomic.Pointer[scriptedPolicy]
}

func (r *swapRegistry) For(string) policy.Policy { return r.p.Load() }

package scenario

import (
	"context"

	"github.com/wasmta/wasmta/bench/internal/result"
)

// Providers is written last: it needs internal/providersim.
func (e *Env) Providers(ctx context.Context) *result.Scenario {
	sc, t0 := e.begin("providers", "Provider mix")
	sc.Skipped = "not written yet"
	return e.end(sc, t0)
}

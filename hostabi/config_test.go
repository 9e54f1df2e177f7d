package hostabi

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func TestConfigDefaults(t *testing.T) {
	h, err := New(context.Background(), Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(context.Background())
	c := h.Config()
	if c.CallTimeout != 5*time.Millisecond || c.InitTimeout != time.Second || c.MemoryLimitPages != 1024 ||
		c.Instances != runtime.GOMAXPROCS(0) || c.Logger == nil || c.UnsafeNoDeadline {
		t.Errorf("defaults: %+v", c)
	}
}

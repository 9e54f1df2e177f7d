package fleet

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/wasmta/wasmta/mta/config"
)

// Keys. Every key holds the hash tag {wasmta}: one slot of a Redis Cluster
// holds them all, so scripts and pipelines over several of them work there.
const (
	keyBus       = "{wasmta}:bus"       // pub/sub channel of announcements
	keyActions   = "{wasmta}:actions"   // hash: action id -> action JSON
	keyCancelled = "{wasmta}:cancelled" // hash: cancelled action id -> expiry (unix ms)
	keyNodes     = "{wasmta}:nodes"     // hash: node name -> heartbeat JSON
	keySuppress  = "{wasmta}:suppress"  // stream of suppression adds and removals
	keyPolicyPfx = "{wasmta}:policy:"   // hash per tenant ("*" global): seq, cur, prev, m:N
	keyRepPfx    = "{wasmta}:rep:"      // hash per node: reputation windows
	keyLimitPfx  = "{wasmta}:limit:"    // GCRA state per shared rate
	keySlotsPfx  = "{wasmta}:slots:"    // sorted set per shared connection limit
)

// newClient builds the go-redis client for the configuration: a Cluster
// client for redis_cluster or several seeds, else a single-server client.
// It does not connect.
func newClient(c config.Cluster, trips *atomic.Int64) (redis.UniversalClient, error) {
	tc, err := tlsConfig(c)
	if err != nil {
		return nil, err
	}
	maint := &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	var rdb redis.UniversalClient
	if c.ClusterMode || len(c.Redis) > 1 {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Redis, Username: c.Username, Password: c.Password,
			TLSConfig: tc, DialTimeout: c.Timeout, ReadTimeout: c.Timeout, WriteTimeout: c.Timeout, MaxRetries: 1,
			DisableIdentity: true, MaintNotificationsConfig: maint})
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: c.Redis[0], Username: c.Username, Password: c.Password, DB: c.DB,
			TLSConfig: tc, DialTimeout: c.Timeout, ReadTimeout: c.Timeout, WriteTimeout: c.Timeout, MaxRetries: 1,
			DisableIdentity: true, MaintNotificationsConfig: maint})
	}
	rdb.AddHook(tripCounter{trips})
	return rdb, nil
}

func tlsConfig(c config.Cluster) (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TLSName, InsecureSkipVerify: c.TLSInsecure}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("fleet: cluster.tls_ca: %w", err)
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("fleet: cluster.tls_ca: no certificate in %s", c.TLSCA)
		}
	}
	return tc, nil
}

// tripCounter counts round trips to Redis: one per command, one per
// pipeline (the bench reports them per delivered message).
type tripCounter struct{ n *atomic.Int64 }

func (h tripCounter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (h tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}

func (h tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// quietLogger sends go-redis's own messages (a failed dial, a pool
// retry) to slog at debug level: the fleet logs outages itself, once.
type quietLogger struct{}

func (quietLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.Debug("fleet: redis: " + fmt.Sprintf(format, v...))
}

func init() { redis.SetLogger(quietLogger{}) }

package push_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sakimori/internal/push"
	"sakimori/internal/store"
)

// natsURL is the NATS server with JetStream the tests use (SAKIMORI_TEST_NATS,
// default the local one); .ci/run starts it.
func natsURL() string {
	if v := os.Getenv("SAKIMORI_TEST_NATS"); v != "" {
		return v
	}
	return "nats://127.0.0.1:4222"
}

// needNATS skips the test when no NATS server answers, except under
// CI=true, where a missing NATS is a failure.
func needNATS(t *testing.T) {
	t.Helper()
	u, err := url.Parse(natsURL())
	if err == nil {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", u.Host, 2*time.Second); err == nil {
			c.Close()
			return
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("NATS with JetStream is required in CI but unreachable at %s: %v", natsURL(), err)
	}
	t.Skipf("NATS unreachable at %s (set SAKIMORI_TEST_NATS; required under CI=true): %v", natsURL(), err)
}

// dropStream deletes the test deployment's stream from the NATS server.
func dropStream(t *testing.T, db *store.DB) {
	ctx := context.Background()
	dep, err := db.Meta(ctx, "push.deployment")
	if err != nil {
		return
	}
	nc, err := nats.Connect(natsURL())
	if err != nil {
		return
	}
	defer nc.Close()
	if js, err := jetstream.New(nc); err == nil {
		js.DeleteStream(ctx, push.Stream+"_"+strings.ToUpper(dep))
	}
}

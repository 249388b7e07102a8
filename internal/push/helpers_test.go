package push_test

import "os"

// natsURL is the NATS server with JetStream the tests use (SAKIMORI_TEST_NATS,
// default the local one); .ci/run starts it.
func natsURL() string {
	if v := os.Getenv("SAKIMORI_TEST_NATS"); v != "" {
		return v
	}
	return "nats://127.0.0.1:4222"
}

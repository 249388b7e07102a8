package push

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"sakimori/internal/event"
)

// headerNode names the node that published an event on NATS.
const headerNode = "Sakimori-Node"

// nodeEvent is an event as nodes pass it on NATS: with its seq and audience, which each node needs
// to filter for its own subscribers.
type nodeEvent struct {
	Seq      int64           `json:"seq"`
	Kind     event.Kind      `json:"kind"`
	At       time.Time       `json:"at"`
	Subject  string          `json:"subject"`
	Audience event.Audience  `json:"audience"`
	Data     json.RawMessage `json:"data"`
}

// NATSReady is closed once the bridge is connected and consuming (tests,
// benchmarks).
func (s *Service) NATSReady() <-chan struct{} { return s.natsUp }

// bridge connects to NATS, makes sure the stream exists, publishes the
// events stored on this node and feeds the hub with other nodes' events.
// NATS carries events for latency only: without it (down, or a message
// lost) the hub still finds every event in the log.
func (s *Service) bridge(ctx context.Context) {
	nc, err := nats.Connect(s.NATS, nats.Name("sakimori "+s.Node), nats.MaxReconnects(-1), nats.RetryOnFailedConnect(true),
		nats.ReconnectWait(time.Second))
	if err != nil {
		s.Log.Error("push: connecting to NATS failed; nodes fall back to polling the event log", "url", s.NATS, "err", err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		s.Log.Error("push: JetStream", "err", err)
		return
	}
	dep, err := s.DB.Meta(ctx, "push.deployment")
	if err != nil || dep == "" {
		s.Log.Error("push: this deployment has no NATS name (migration 0011); nodes fall back to polling the event log", "err", err)
		return
	}
	subject, name := Subject+"."+dep, Stream+"_"+strings.ToUpper(dep)
	var stream jetstream.Stream
	for {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		stream, err = js.CreateOrUpdateStream(sctx, jetstream.StreamConfig{Name: name, Subjects: []string{subject},
			MaxAge: time.Hour, Storage: jetstream.FileStorage, Discard: jetstream.DiscardOld})
		cancel()
		if err == nil {
			break
		}
		s.Log.Warn("push: creating the JetStream stream failed; retrying", "stream", name, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-s.closed:
			return
		case <-time.After(2 * time.Second):
		}
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy})
	if err != nil {
		s.Log.Error("push: creating the JetStream consumer failed", "err", err)
		return
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if m.Headers().Get(headerNode) == s.Node {
			return // delivered directly when it was published here
		}
		var w nodeEvent
		if json.Unmarshal(m.Data(), &w) != nil || w.Seq <= 0 {
			return
		}
		e := &event.Event{Seq: w.Seq, Kind: w.Kind, At: w.At, Subject: w.Subject, Audience: w.Audience, Data: w.Data}
		select {
		case s.inbox <- []*event.Event{e}:
		default:
		}
	})
	if err != nil {
		s.Log.Error("push: consuming the JetStream stream failed", "err", err)
		return
	}
	defer cc.Stop()
	close(s.natsUp)
	s.Log.Info("push: events cross nodes over NATS JetStream", "url", s.NATS, "stream", name, "node", s.Node)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closed:
			return
		case evs := <-s.outbox:
			for _, e := range evs {
				b, _ := json.Marshal(nodeEvent{Seq: e.Seq, Kind: e.Kind, At: e.At, Subject: e.Subject, Audience: e.Audience, Data: e.Data})
				msg := &nats.Msg{Subject: subject, Data: b, Header: nats.Header{}}
				msg.Header.Set(headerNode, s.Node)
				if _, err := js.PublishMsgAsync(msg); err != nil {
					s.Log.Debug("push: publishing to NATS failed (other nodes read the log)", "seq", e.Seq, "err", err)
				}
			}
		}
	}
}

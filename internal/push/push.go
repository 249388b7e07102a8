// Package push delivers events (internal/event) to subscribers: Server-Sent
// Events streams and signed webhooks, filtered by each subscriber's
// entitlements, resumable from the event log, carried between server nodes
// over NATS JetStream (issue #7). docs/push.md describes the protocols.
//
// Publish stores a batch in the event log (store.AppendEvents: one
// transaction; the head row lock makes sequence numbers dense and commit
// in order) and hands it to the hub without waiting. The hub dispatches
// events strictly in sequence order: an event that arrives ahead of a
// missing one (another node's, not yet carried by NATS) waits until the
// gap is filled from NATS or from the log. So a subscriber that resumes
// from seq N gets every event after N once, in order.
package push

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"sakimori/internal/event"
	"sakimori/internal/intel"
	"sakimori/internal/opaque"
	"sakimori/internal/store"
	"sakimori/internal/webhook"
)

// Defaults of the options.
const (
	DefaultRetention       = 30 * 24 * time.Hour
	DefaultPoll            = time.Second
	DefaultBuffer          = 1024
	DefaultHeartbeat       = 15 * time.Second
	DefaultMaxFailures     = 10
	DefaultWebhookInterval = time.Second
	DefaultMaxStreamAge    = 30 * time.Minute
	DefaultMaxSubscribers  = 20000
	// Subject and Stream, suffixed with the deployment's name (meta
	// push.deployment), name the JetStream stream that carries events
	// between nodes.
	Subject = "sakimori.events"
	Stream  = "SAKIMORI_EVENTS"
)

// Service is the push service. It implements event.Publisher.
type Service struct {
	DB  *store.DB
	Log *slog.Logger
	// Intel decides Intel audiences (intel.Service.EntitledTo) and builds
	// viewers; nil: Intel audiences admit nobody.
	Intel *intel.Service
	// Webhook sends webhook deliveries (nil: a default sender with the SSRF
	// guard on).
	Webhook *webhook.Sender
	// NATS is the NATS server URL ("" without): events cross nodes over
	// JetStream instead of by polling the log.
	NATS string
	// Node names this node (default random) on NATS and in webhook leases.
	Node string
	// Retention is how long events stay in the log (default 30 days).
	Retention time.Duration
	// Poll is how often the hub reads the log for events other processes
	// stored (default 1 s; 5 s with NATS, as a safety net).
	Poll time.Duration
	// Buffer is a subscriber's queue; a subscriber that falls this far
	// behind is cut off and resumes from its last id (default 1024).
	Buffer int
	// Heartbeat is the interval of SSE comment lines (default 15 s).
	Heartbeat time.Duration
	// MaxFailures disables a webhook after that many consecutive failed
	// deliveries (default 10).
	MaxFailures int
	// WebhookInterval is how often webhook cursors are checked (default 1 s).
	WebhookInterval time.Duration
	// MaxStreamAge ends an SSE stream after this long (default 30 min); the
	// client resumes from its last id, authenticated and entitled afresh.
	MaxStreamAge time.Duration
	// MaxSubscribers bounds the open streams of this node (default
	// 20,000); beyond it new streams are refused with 503 (clients retry,
	// or a load balancer picks another node).
	MaxSubscribers int

	hubOnce sync.Once
	inbox   chan []*event.Event
	outbox  chan []*event.Event // to NATS
	kick    chan struct{}       // webhooks: new events
	closed  chan struct{}
	close   sync.Once

	mu   sync.Mutex
	subs map[*Subscriber]struct{}
	last int64 // seq of the last event dispatched

	ent      entCache
	hooksMu  sync.Mutex
	inflight map[string]bool
	wg       sync.WaitGroup
	natsUp   chan struct{}

	writerOnce sync.Once
	pubq       chan *pubReq

	stats counters

	// The event id codec (ids.go), loaded by the first Subscribe,
	// EventLog or EventID.
	ids opaque.Lazy
}

// counters are what the service counts for monitoring (Stats).
type counters struct {
	published, sent, cutOff, delivered, failed atomic.Int64
}

// Stats are the push service's counters since it started, for /metrics.
type Stats struct {
	Subscribers       int   // open streams on this node
	Published         int64 // events stored by this node
	Sent              int64 // events queued to this node's streams
	CutOff            int64 // streams ended because they fell too far behind (they resume)
	WebhookDeliveries int64 // webhook deliveries accepted by their receivers
	WebhookFailures   int64 // webhook deliveries that failed (retried from the cursor)
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{Subscribers: s.Subscribers(), Published: s.stats.published.Load(), Sent: s.stats.sent.Load(),
		CutOff: s.stats.cutOff.Load(), WebhookDeliveries: s.stats.delivered.Load(), WebhookFailures: s.stats.failed.Load()}
}

// pubReq is one Publish call waiting for the writer.
type pubReq struct {
	evs  []*event.Event
	done chan error
}

// maxGroup bounds the events one group commit stores.
const maxGroup = 1000

// append stores evs through the writer, which stores the batches of
// concurrent Publish calls in one transaction (group commit): each call's
// batch is stored whole, in order, and the call returns once it is
// committed. One commit for many callers keeps the rate up when many
// requests publish at once (each commit waits for the disk).
func (s *Service) append(evs []*event.Event) error {
	s.writerOnce.Do(func() { go s.writer() })
	r := &pubReq{evs: evs, done: make(chan error, 1)}
	s.pubq <- r
	return <-r.done
}

// writer runs for the life of the process: Publish works before Start and
// after Close (requests still finishing during a shutdown publish too).
func (s *Service) writer() {
	for r := range s.pubq {
		group := []*pubReq{r}
		n := len(r.evs)
	collect:
		for n < maxGroup {
			select {
			case r2 := <-s.pubq:
				group = append(group, r2)
				n += len(r2.evs)
			default:
				break collect
			}
		}
		all := make([]*event.Event, 0, n)
		for _, g := range group {
			all = append(all, g.evs...)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := s.DB.AppendEvents(ctx, all)
		cancel()
		for _, g := range group {
			g.done <- err
		}
	}
}

// New returns a push service over db.
func New(db *store.DB, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := make([]byte, 6)
	rand.Read(b)
	return &Service{DB: db, Log: log, Node: "node-" + hex.EncodeToString(b),
		inbox: make(chan []*event.Event, 4096), outbox: make(chan []*event.Event, 4096), kick: make(chan struct{}, 1),
		closed: make(chan struct{}), subs: map[*Subscriber]struct{}{}, inflight: map[string]bool{}, natsUp: make(chan struct{}),
		pubq: make(chan *pubReq, 1024)}
}

// Publish validates evs, stores them in one transaction (assigning Seq) and
// fans them out asynchronously: it never waits for subscribers.
func (s *Service) Publish(ctx context.Context, evs ...*event.Event) error {
	if len(evs) == 0 {
		return nil
	}
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			return err
		}
	}
	if err := s.append(evs); err != nil {
		return err
	}
	s.stats.published.Add(int64(len(evs)))
	// Hand over copies: the caller may reuse its events.
	cp := make([]*event.Event, len(evs))
	for i, e := range evs {
		c := *e
		cp[i] = &c
	}
	select {
	case s.inbox <- cp:
	default: // the hub is behind: it reads the log when it sees the gap
	}
	if s.NATS != "" {
		select {
		case s.outbox <- cp:
		default:
		}
	}
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

// Start runs the background work until ctx ends: the hub (live fan-out),
// log polling, retention, webhook deliveries and the NATS bridge. It
// returns at once.
func (s *Service) Start(ctx context.Context) {
	s.startHub()
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.closed:
		}
	}()
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.retain(ctx) }()
	go func() { defer s.wg.Done(); s.deliverWebhooks(ctx) }()
	if s.NATS != "" {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.bridge(ctx) }()
	}
}

// Wait waits for the background work Start began to end (after its
// context ends or Close).
func (s *Service) Wait() { s.wg.Wait() }

// Close ends every open stream and stops the hub. Streams end cleanly
// (their clients resume from the last id, on this node after a restart or
// on another), so a graceful shutdown does not wait for them.
func (s *Service) Close() {
	s.close.Do(func() {
		close(s.closed)
		s.mu.Lock()
		for sub := range s.subs {
			sub.end("shutdown")
		}
		clear(s.subs)
		s.mu.Unlock()
	})
}

// CloseStreams is Close, for the HTTP server's shutdown.
func (s *Service) CloseStreams() { s.Close() }

func (s *Service) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	if s.NATS != "" {
		return 5 * DefaultPoll
	}
	return DefaultPoll
}

func (s *Service) buffer() int {
	if s.Buffer > 0 {
		return s.Buffer
	}
	return DefaultBuffer
}

func (s *Service) maxStreamAge() time.Duration {
	if s.MaxStreamAge > 0 {
		return s.MaxStreamAge
	}
	return DefaultMaxStreamAge
}

func (s *Service) heartbeat() time.Duration {
	if s.Heartbeat > 0 {
		return s.Heartbeat
	}
	return DefaultHeartbeat
}

// retain prunes events older than Retention now and then.
func (s *Service) retain(ctx context.Context) {
	keep := s.Retention
	if keep <= 0 {
		keep = DefaultRetention
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := s.DB.PruneEvents(ctx, time.Now().Add(-keep))
		if err != nil && ctx.Err() == nil {
			s.Log.Warn("push: pruning the event log failed", "err", err)
		} else if n > 0 {
			s.Log.Info("push: pruned the event log", "events", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.closed:
			return
		case <-t.C:
		}
	}
}

var _ event.Publisher = (*Service)(nil)

package push

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Message is one Server-Sent Events message.
type Message struct {
	ID    string
	Event string
	Data  string
}

// maxSSELine bounds a line of a stream (an event's JSON).
const maxSSELine = 4 << 20

// ReadSSE parses a text/event-stream (the WHATWG HTML "event stream"
// format: lines ending in LF, CRLF or CR; "field: value"; comments start
// with a colon; a blank line ends a message) and calls fn per message.
// It returns fn's error, the reader's, or nil at the end of the stream.
func ReadSSE(r io.Reader, fn func(Message) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxSSELine)
	sc.Split(scanLines)
	var m Message
	var data strings.Builder
	hasData, hasID := false, false
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			// A message with an id and no data sets the resume point
			// (EventSource does the same): fn gets it with empty Data.
			if hasData || hasID {
				m.Data = data.String()
				if err := fn(m); err != nil {
					return err
				}
			}
			m.Event, m.Data, hasData, hasID = "", "", false, false
			data.Reset()
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		case "event":
			m.Event = value
		case "id":
			if !strings.ContainsRune(value, 0) {
				m.ID, hasID = value, true // the id persists to later messages, as in EventSource
			}
		}
	}
	return sc.Err()
}

// scanLines splits at LF, CRLF or CR.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\r' {
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if !atEOF {
				return 0, nil, nil // a CR at the end: wait to see whether LF follows
			}
		}
		return i + 1, data[:i], nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Client reads a sakimori event stream (GET /api/v1/events) and resumes
// from the last id it got whenever the connection ends.
type Client struct {
	// Base is the server's base URL (https://host).
	Base  string
	Token string
	HTTP  *http.Client
	Kinds []string
	// Retry is the wait before reconnecting (default 2 s).
	Retry time.Duration
	// OnError, if set, is told about each failed or ended connection.
	OnError func(error)
}

// ErrStop, returned by a Tail callback, ends Tail with nil.
var ErrStop = errors.New("push: stop")

// Tail streams the events after the event id `after` ("": from now;
// LogStart: the whole log) to fn until ctx ends or fn returns an error,
// reconnecting with Last-Event-ID.
func (c *Client) Tail(ctx context.Context, after string, fn func(*Wire) error) error {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{}
	}
	retry := c.Retry
	if retry <= 0 {
		retry = 2 * time.Second
	}
	for {
		err := c.once(ctx, hc, &after, fn)
		if errors.Is(err, ErrStop) {
			return nil
		}
		var fe *fatalError
		if errors.As(err, &fe) {
			return fe.err
		}
		if ctx.Err() != nil {
			return nil
		}
		if c.OnError != nil {
			c.OnError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retry):
		}
	}
}

type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }

func (c *Client) once(ctx context.Context, hc *http.Client, after *string, fn func(*Wire) error) error {
	q := url.Values{}
	if len(c.Kinds) > 0 {
		q.Set("kinds", strings.Join(c.Kinds, ","))
	}
	u := strings.TrimRight(c.Base, "/") + "/api/v1/events"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &fatalError{err}
	}
	req.Header.Set("Accept", "text/event-stream")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if *after != "" {
		req.Header.Set("Last-Event-ID", *after)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		err := fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return &fatalError{err}
		}
		return err
	}
	err = ReadSSE(resp.Body, func(m Message) error {
		if m.Data == "" {
			if m.ID != "" && *after == "" {
				*after = m.ID // where a live stream started: resume from there
			}
			return nil
		}
		var e Wire
		if err := json.Unmarshal([]byte(m.Data), &e); err != nil {
			return fmt.Errorf("event %s: %w", m.ID, err)
		}
		if e.ID == *after {
			return nil // the server resumes after it; never twice
		}
		if err := fn(&e); err != nil {
			return err
		}
		*after = e.ID
		return nil
	})
	if err == nil {
		err = io.ErrUnexpectedEOF // the server ended the stream: resume
	}
	return err
}

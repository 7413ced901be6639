package liveview

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// maxEventLine bounds one line of an event stream that Subscribe reads: a
// snapshot of a few nodes is a few kilobytes.
const maxEventLine = 1 << 20

// Subscribe reads the event stream of a Server at url (its GET /events)
// and passes each snapshot and message to f, in order, until ctx ends or
// the stream breaks; it returns why it stopped. A view of several
// processes (raftkv demo --ui) subscribes to each node's view this way.
func Subscribe(ctx context.Context, client *http.Client, url string, f func(Event)) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("liveview: subscribe to %s: %w", url, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("liveview: subscribe: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("liveview: subscribe to %s: %s", url, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, maxEventLine)
	var name string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := []byte(strings.TrimPrefix(line, "data: "))
			switch name {
			case "state":
				var s Snapshot
				if err := json.Unmarshal(data, &s); err != nil {
					return fmt.Errorf("liveview: %s sent a state that does not decode: %w", url, err)
				}
				f(Event{State: &s})
			case "message":
				var m Message
				if err := json.Unmarshal(data, &m); err != nil {
					return fmt.Errorf("liveview: %s sent a message that does not decode: %w", url, err)
				}
				f(Event{Message: &m})
			}
		case line == "":
			name = ""
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("liveview: read %s: %w", url, err)
	}
	return fmt.Errorf("liveview: %s ended its stream", url)
}

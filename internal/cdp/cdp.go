// Package cdp drives a headless Chromium through the Chrome DevTools
// Protocol, for the maintainers' slide renders (internal/slideshots) and
// the live view's browser test. It speaks the protocol over the pipe that
// --remote-debugging-pipe opens, so it needs no port and no module beyond
// the standard library.
package cdp

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// Find returns the path of a Chromium or Chrome on the PATH, or "".
func Find() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	return ""
}

// Browser speaks the Chrome DevTools Protocol to a headless Chromium over
// the pipe that --remote-debugging-pipe opens on its file descriptors 3
// (commands in) and 4 (answers and events out), one JSON message per
// NUL-terminated record.
type Browser struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	mu      sync.Mutex
	nextID  int
	waiting map[int]chan reply
	session string
	profile string
}

type reply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Start starts a headless Chromium from binary with a fresh profile, and
// attaches to its page. Close stops it.
func Start(binary string) (*Browser, error) {
	profile, err := os.MkdirTemp("", "cdp-chromium-")
	if err != nil {
		return nil, err
	}
	cmdIn, toBrowser, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromBrowser, cmdOut, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--hide-scrollbars", "--user-data-dir="+profile,
		"--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{cmdIn, cmdOut}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w (install it with apt-get install chromium)", binary, err)
	}
	cmdIn.Close()
	cmdOut.Close()
	b := &Browser{cmd: cmd, in: toBrowser, waiting: map[int]chan reply{}, profile: profile}
	go b.read(fromBrowser)

	var targets struct {
		TargetInfos []struct {
			TargetID string `json:"targetId"`
			Type     string `json:"type"`
		} `json:"targetInfos"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := b.Call("Target.getTargets", nil, &targets); err != nil {
			b.Close()
			return nil, err
		}
		for _, t := range targets.TargetInfos {
			if t.Type == "page" {
				var attached struct {
					SessionID string `json:"sessionId"`
				}
				err := b.Call("Target.attachToTarget", map[string]any{"targetId": t.TargetID, "flatten": true}, &attached)
				if err != nil {
					b.Close()
					return nil, err
				}
				b.session = attached.SessionID
				return b, nil
			}
		}
		if time.Now().After(deadline) {
			b.Close()
			return nil, errors.New("chromium opened no page")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *Browser) read(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		msg, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m struct {
			ID int `json:"id"`
			reply
		}
		if json.Unmarshal(msg[:len(msg)-1], &m) != nil || m.ID == 0 {
			continue // an event; none is needed
		}
		b.mu.Lock()
		ch := b.waiting[m.ID]
		delete(b.waiting, m.ID)
		b.mu.Unlock()
		if ch != nil {
			ch <- m.reply
		}
	}
}

// Call sends one command (to the page, once attached) and decodes its
// result into result, unless it is nil.
func (b *Browser) Call(method string, params any, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan reply, 1)
	b.waiting[id] = ch
	msg := map[string]any{"id": id, "method": method, "params": params}
	if b.session != "" {
		msg["sessionId"] = b.session
	}
	data, err := json.Marshal(msg)
	if err == nil {
		_, err = b.in.Write(append(data, 0))
	}
	b.mu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("%s: %s", method, r.Error.Message)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(r.Result, result)
	case <-ctx.Done():
		return fmt.Errorf("%s: no answer from chromium", method)
	}
}

// Eval runs a JavaScript expression in the page (awaiting a promise) and
// decodes its value into v, unless it is nil.
func (b *Browser) Eval(expr string, v any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := b.Call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r)
	if err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("javascript: %s %s", e.Text, e.Exception.Description)
	}
	if v == nil {
		return nil
	}
	return json.Unmarshal(r.Result.Value, v)
}

// Close stops the browser, killing it after 5 s, and removes its profile.
func (b *Browser) Close() {
	b.in.Close()
	done := make(chan struct{})
	go func() { b.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(b.profile)
}

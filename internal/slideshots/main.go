// Command slideshots renders every slide of the course's decks in headless
// Chromium, so that a maintainer can look at them, and measures each slide
// in the browser: whether its text runs past the bottom of the slide or a
// code excerpt past its right edge. It is the render that verify's slide-fit
// check was calibrated against (internal/workshop/slides.go).
//
// It needs Chromium (Debian: apt-get install chromium); CI does not run it.
//
//	go run ./internal/slideshots                   # every deck, 1280×800 and 1920×1080
//	go run ./internal/slideshots -size 1280x800 04-log 07-election
//
// It writes one PNG per slide, out/SIZE/DECK-NN.png, a contact sheet of four
// slides per PNG (out/SIZE/sheets/), and out/measure.tsv, and lists every
// slide that the browser found cut. The exit status is 1 when one was.
package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"raftgo/internal/cdp"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("slideshots: ")
	out := flag.String("out", filepath.Join(os.TempDir(), "slideshots"), "folder for the PNGs and measure.tsv")
	sizes := flag.String("size", "1280x800,1920x1080", "comma-separated window sizes, WIDTHxHEIGHT")
	browser := flag.String("chromium", "chromium", "the Chromium (or Chrome) binary")
	flag.Parse()
	if err := run(*out, *sizes, *browser, flag.Args()); err != nil {
		log.Fatal(err)
	}
}

// slide is what the browser measured on one slide.
type slide struct {
	Deck     string `json:"-"`
	Number   int    `json:"number"` // 1 is the title slide, as in present's URLs (#1)
	Title    string `json:"title"`
	Height   int    `json:"height"`   // the content's height, title included, in CSS pixels
	Room     int    `json:"room"`     // the height the slide has for it
	Overflow int    `json:"overflow"` // how far the widest code excerpt or image overflows, in pixels
	Cut      string `json:"cut"`      // what is cut, "" if nothing
}

func run(out, sizes, browser string, decks []string) error {
	if len(decks) == 0 {
		all, err := filepath.Glob("slides/*.slide")
		if err != nil {
			return err
		}
		for _, d := range all {
			decks = append(decks, strings.TrimSuffix(filepath.Base(d), ".slide"))
		}
	}
	if len(decks) == 0 {
		return errors.New("no decks in slides/: run it from the course root")
	}
	addr, stop, err := startPresent()
	if err != nil {
		return err
	}
	defer stop()

	b, err := cdp.Start(browser)
	if err != nil {
		return err
	}
	defer b.Close()

	var measured []slide
	failed := false
	for _, size := range strings.Split(sizes, ",") {
		w, h, err := parseSize(size)
		if err != nil {
			return err
		}
		dir := filepath.Join(out, size)
		if err := os.MkdirAll(filepath.Join(dir, "sheets"), 0o755); err != nil {
			return err
		}
		for _, deck := range decks {
			slides, shots, err := renderDeck(b, "http://"+addr+"/"+deck+".slide", w, h)
			if err != nil {
				fmt.Printf("%s %s: %v\n", size, deck, err)
				failed = true
				continue
			}
			var names []string
			for i, png := range shots {
				name := filepath.Join(dir, fmt.Sprintf("%s-%02d.png", deck, i+1))
				if err := os.WriteFile(name, png, 0o644); err != nil {
					return err
				}
				names = append(names, name)
			}
			if err := writeSheets(filepath.Join(dir, "sheets"), deck, names); err != nil {
				return err
			}
			for _, s := range slides {
				s.Deck = deck
				if s.Cut != "" {
					fmt.Printf("%s %s#%d %q: %s\n", size, deck, s.Number, s.Title, s.Cut)
				}
				if size == strings.Split(sizes, ",")[0] {
					measured = append(measured, s)
				}
			}
		}
		fmt.Printf("%s: wrote %s\n", size, dir)
	}
	if err := writeMeasures(filepath.Join(out, "measure.tsv"), measured); err != nil {
		return err
	}
	for _, s := range measured {
		failed = failed || s.Cut != ""
	}
	if failed {
		return errors.New("some slides are cut, or a deck did not load (above)")
	}
	return nil
}

func parseSize(s string) (int, int, error) {
	ws, hs, ok := strings.Cut(strings.TrimSpace(s), "x")
	w, err1 := strconv.Atoi(ws)
	h, err2 := strconv.Atoi(hs)
	if !ok || err1 != nil || err2 != nil || w < 200 || h < 200 {
		return 0, 0, fmt.Errorf("size %q: want WIDTHxHEIGHT, such as 1280x800", s)
	}
	return w, h, nil
}

// startPresent serves the decks with the course's theme on a free port of
// 127.0.0.1, as README.md tells presenters to, and waits until it answers.
func startPresent() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	// Run present's binary itself, not "go tool present", so that stopping
	// it stops the server.
	bin, err := exec.Command("go", "tool", "-n", "present").Output()
	if err != nil {
		return "", nil, fmt.Errorf("go tool -n present: %w", err)
	}
	cmd := exec.Command(strings.TrimSpace(string(bin)), "-base", "slides/present", "-content", "slides", "-http", addr, "-play=false")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("go tool present: %w", err)
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	deadline := time.Now().Add(2 * time.Minute) // the first run compiles present
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return addr, stop, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("go tool present did not answer on %s", addr)
}

// measureJS measures the slide of the given index (0 is the title slide),
// which must be the current one (present does not lay out slides far from it). A slide is cut when its content
// runs below the article's padding box bottom, or when a code block is
// wider than the room it has.
const measureJS = `((i) => {
  const a = document.querySelectorAll('section.slides > article')[i];
  {
    const cs = getComputedStyle(a);
    const top = a.offsetTop, padTop = parseFloat(cs.paddingTop), padBottom = parseFloat(cs.paddingBottom);
    const box = a.getBoundingClientRect();
    const scale = box.height / a.offsetHeight; // the theme scales slides to the window
    let bottom = 0;
    a.querySelectorAll('*').forEach(el => {
      if (el.closest('.pagenumber') || el.getClientRects().length === 0) return;
      bottom = Math.max(bottom, (el.getBoundingClientRect().bottom - box.top) / scale - a.clientTop);
    });
    const room = a.clientHeight - padTop - padBottom;
    const height = Math.round(bottom - padTop);
    let over = 0;
    a.querySelectorAll('pre').forEach(p => { over = Math.max(over, p.scrollWidth - p.clientWidth); });
    a.querySelectorAll('img').forEach(im => { over = Math.max(over, im.offsetWidth - (a.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight))); });
    const cut = [];
    if (height > room + 1) cut.push('bottom cut by ' + (height - room) + 'px');
    if (over > 1) cut.push('code ' + Math.round(over) + 'px too wide');
    const h = a.querySelector('h3, h2, h1');
    return {number: i + 1, title: h ? h.textContent.trim() : '', height: height, room: room, overflow: Math.round(over), cut: cut.join(', ')};
  }
})`

// renderDeck loads a deck at a window size and returns its measures and a
// screenshot of each slide.
func renderDeck(b *cdp.Browser, url string, w, h int) ([]slide, [][]byte, error) {
	err := b.Call("Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": h, "deviceScaleFactor": 1, "mobile": false}, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := b.Call("Page.navigate", map[string]any{"url": url}, nil); err != nil {
		return nil, nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ready bool
		err := b.Eval(`document.readyState === 'complete' && document.body.classList.contains('loaded') && Array.from(document.images).every(i => i.complete)`, &ready)
		if err == nil && ready {
			break
		}
		if time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("%s did not load (%v)", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// No slide transitions, so a screenshot shows a slide at rest.
	if err := b.Eval(`(() => { const s = document.createElement('style'); s.textContent = '* { transition: none !important; }'; document.head.appendChild(s); return document.fonts.ready.then(() => true); })()`, nil); err != nil {
		return nil, nil, err
	}
	var count int
	if err := b.Eval(`document.querySelectorAll('section.slides > article').length - 1`, &count); err != nil {
		return nil, nil, err // less present's closing "Thank you" slide
	}
	var shots [][]byte
	var slides []slide
	for i := range count {
		js := fmt.Sprintf(`curSlide = %d; updateSlides(); new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, i)
		if err := b.Eval(js, nil); err != nil {
			return nil, nil, err
		}
		var s slide
		if err := b.Eval(fmt.Sprintf("%s(%d)", measureJS, i), &s); err != nil {
			return nil, nil, err
		}
		slides = append(slides, s)
		var shot struct {
			Data string `json:"data"`
		}
		if err := b.Call("Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
			return nil, nil, err
		}
		data, err := base64.StdEncoding.DecodeString(shot.Data)
		if err != nil {
			return nil, nil, err
		}
		shots = append(shots, data)
	}
	return slides, shots, nil
}

// writeSheets puts the slides' PNGs four to a sheet, two by two, at full size,
// so that a maintainer can page through a deck quickly.
func writeSheets(dir, deck string, names []string) error {
	for first := 0; first < len(names); first += 4 {
		var tiles []image.Image
		for _, name := range names[first:min(first+4, len(names))] {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			img, err := png.Decode(f)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			tiles = append(tiles, img)
		}
		tw, th := tiles[0].Bounds().Dx(), tiles[0].Bounds().Dy()
		sheet := image.NewRGBA(image.Rect(0, 0, 2*tw, 2*th))
		for i, t := range tiles {
			at := image.Pt(i%2*tw, i/2*th)
			draw.Draw(sheet, t.Bounds().Sub(t.Bounds().Min).Add(at), t, t.Bounds().Min, draw.Src)
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%02d-%02d.png", deck, first+1, first+len(tiles)))
		f, err := os.Create(name)
		if err != nil {
			return err
		}
		err = png.Encode(f, sheet)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func writeMeasures(name string, slides []slide) error {
	sort.SliceStable(slides, func(i, j int) bool { return slides[i].Deck < slides[j].Deck })
	var sb strings.Builder
	sb.WriteString("deck\tslide\theight\troom\tcode_overflow_px\tcut\ttitle\n")
	for _, s := range slides {
		fmt.Fprintf(&sb, "%s\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Deck, s.Number, s.Height, s.Room, s.Overflow, s.Cut, s.Title)
	}
	return os.WriteFile(name, []byte(sb.String()), 0o644)
}

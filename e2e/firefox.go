//go:build linux

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"spiceweb/wasm/raster"
)

// Firefox is Debian's firefox-esr, headless, with one tab, driven over
// WebDriver BiDi by e2e/firefox/driver.mjs (puppeteer-core under node): a
// long-lived node process that takes one JSON command a line on its stdin
// and answers, with the tab's console messages in between, on descriptor
// 3. It satisfies Page, so the helpers written for Chromium serve it too.
type Firefox struct {
	t       testing.TB
	opts    FirefoxOptions
	ignore  []*regexp.Regexp
	profile string
	proc    *Proc
	// Version is what the browser calls itself ("firefox/153.8.0").
	Version string
	pid     int // Firefox's main process, leader of its own process group

	cmdMu sync.Mutex // one command line at a time on cmds
	cmds  *os.File

	mu      sync.Mutex
	nextID  int
	pending map[int]chan firefoxReply
	console []ConsoleEntry
	gone    error // why the driver stopped answering, once it has

	events    chan firefoxEvent // the start-up events (ready, failed)
	readDone  chan struct{}
	closeOnce sync.Once
	close     func()
}

// FirefoxOptions configures StartFirefox.
type FirefoxOptions struct {
	// Prefs are about:config preferences for the fresh profile, for
	// example "network.dns.localDomains": "console.test" to reach loopback
	// under a name that is not a secure context.
	Prefs map[string]any
	// WindowWidth and WindowHeight size the viewport; default 1280x1024, as
	// for Chromium.
	WindowWidth, WindowHeight int
	// EmulateFocus makes document.hasFocus() answer true in every page:
	// headless Firefox never has a focused window (hasFocus() stays false
	// after clicks too), which pages that wait for focus before using the
	// clipboard would wait on for ever. Chromium tests emulate focus
	// through DevTools (keepFocused) for the same reason.
	EmulateFocus bool
	// AllowConsoleErrors and IgnoreConsole: as in BrowserOptions.
	AllowConsoleErrors bool
	IgnoreConsole      []string
}

// ConsoleEntry is one console message of a Firefox tab, or an uncaught
// exception (Type "exception").
type ConsoleEntry struct {
	Type string `json:"type"` // "log", "debug", "info", "warn", "error", "exception", …
	Text string `json:"text"`
	URL  string `json:"url"`
	Line int    `json:"line"` // 0-based
}

func (m ConsoleEntry) String() string {
	where := ""
	if m.URL != "" {
		where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	return fmt.Sprintf("%s: %s%s", m.Type, m.Text, where)
}

// firefoxReply and firefoxEvent are the driver's two kinds of line.
type firefoxReply struct {
	JSON  *string `json:"json"` // an evaluation's value as JSON; nil for undefined
	Error string  `json:"error"`
}

type firefoxEvent struct {
	Event   string `json:"event"`
	Version string `json:"version"`
	PID     int    `json:"pid"`
	Error   string `json:"error"`
	ConsoleEntry
}

// firefoxPrefs are set in every test profile, under FirefoxOptions.Prefs
// (puppeteer adds its own, which keep Firefox off the network).
var firefoxPrefs = map[string]any{
	// A machine without a sound device (CI) leaves every AudioContext
	// suspended for good, resume() never settling; Firefox's mock audio
	// backend runs them as Chromium's headless fake output does.
	"media.cubeb.force_mock_context": true,
	// Puppeteer turns Firefox's pop-up blocker off; users have it on, and
	// the page must cope with a blocked window.open.
	"dom.disable_open_during_load": true,
}

// firefoxDriverDir is e2e/firefox, where driver.mjs and its package.json live.
func firefoxDriverDir(t testing.TB) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "e2e", "firefox")
}

// requireFirefox skips (or fails, see Require) t unless firefox-esr, node
// and the driver's node packages are installed.
func requireFirefox(t testing.TB) {
	t.Helper()
	dir := firefoxDriverDir(t)
	Require(t, append(firefoxTools, Tool{"puppeteer-core", filepath.Join(dir, "node_modules", "puppeteer-core", "package.json"),
		"(npm) puppeteer-core: npm ci in e2e/firefox"})...)
}

// StartFirefox starts the driver, which starts firefox-esr headless with a
// fresh profile in t.TempDir(), and waits until the tab is ready. When the
// test ends (or on Close) it closes the browser, logs every console
// message, fails the test on console errors and uncaught exceptions (see
// FirefoxOptions) and, if the test failed, saves a screenshot.
func StartFirefox(t testing.TB, opts FirefoxOptions) *Firefox {
	t.Helper()
	requireFirefox(t)
	if opts.WindowWidth == 0 || opts.WindowHeight == 0 {
		opts.WindowWidth, opts.WindowHeight = 1280, 1024
	}
	f := &Firefox{t: t, opts: opts, pending: map[int]chan firefoxReply{},
		events: make(chan firefoxEvent, 4), readDone: make(chan struct{})}
	for _, pat := range append([]string{`/favicon\.ico:`}, opts.IgnoreConsole...) {
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Fatalf("e2e: IgnoreConsole %q: %v", pat, err)
		}
		f.ignore = append(f.ignore, re)
	}
	f.profile = filepath.Join(t.TempDir(), "firefox-profile")
	if err := os.Mkdir(f.profile, 0o700); err != nil {
		t.Fatal(err)
	}
	prefs := maps.Clone(firefoxPrefs)
	maps.Copy(prefs, opts.Prefs)
	config, err := json.Marshal(map[string]any{
		"executablePath": ToolFirefox.Path,
		"profile":        f.profile,
		"width":          opts.WindowWidth,
		"height":         opts.WindowHeight,
		"prefs":          prefs,
		"emulateFocus":   opts.EmulateFocus,
	})
	if err != nil {
		t.Fatal(err)
	}

	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	dir := firefoxDriverDir(t)
	p, err := startProc(t, procSpec{
		name: "firefox-driver",
		path: ToolNode.Path,
		args: []string{filepath.Join(dir, "driver.mjs"), string(config)},
		dir:  dir,
		// The driver's SIGTERM handler ends Firefox, which runs in a
		// process group of its own, before the driver exits.
		deathSig:   syscall.SIGTERM,
		stdin:      cmdR,
		extraFiles: []*os.File{outW},
	})
	cmdR.Close()
	outW.Close()
	if err != nil {
		cmdW.Close()
		outR.Close()
		t.Fatalf("e2e: %v", err)
	}
	f.proc, f.cmds = p, cmdW
	go f.read(outR)

	f.close = func() {
		if t.Failed() && f.pid != 0 {
			f.saveScreenshot()
		}
		f.send(map[string]any{"op": "close"})
		f.cmds.Close() // the driver also exits when its stdin closes
		select {
		case <-p.Done():
		case <-time.After(2 * stopGrace):
		}
		_ = p.Stop()
		f.killBrowser()
		// Descriptor 3 closes with the last process holding it; should a
		// straggler keep it open, stop reading anyway.
		select {
		case <-f.readDone:
		case <-time.After(stopGrace):
			outR.Close()
			<-f.readDone
		}
		f.reportConsole()
	}
	t.Cleanup(f.Close)

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case ev := <-f.events:
		if ev.Event != "ready" {
			t.Fatalf("e2e: starting firefox: %s", ev.Error)
		}
		f.Version, f.pid = ev.Version, ev.PID
	case <-f.readDone:
		t.Fatalf("e2e: starting firefox: the driver exited (%v)", f.goneErr())
	case <-timer.C:
		t.Fatalf("e2e: starting firefox: no answer from the driver after %v", startTimeout)
	}
	t.Logf("e2e: %s, driver pid %d, browser pid %d", f.Version, p.Pid(), f.pid)
	return f
}

// read dispatches the driver's lines until it closes descriptor 3.
func (f *Firefox) read(out *os.File) {
	defer close(f.readDone)
	sc := bufio.NewScanner(out)
	// A 1024x768 canvas read is 4 MB of base64; a big desktop more.
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var head struct {
			ID *int `json:"id"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			f.setGone(fmt.Errorf("driver sent %.200q: %v", line, err))
			continue
		}
		if head.ID != nil {
			var r firefoxReply
			_ = json.Unmarshal(line, &r)
			f.mu.Lock()
			ch := f.pending[*head.ID]
			delete(f.pending, *head.ID)
			f.mu.Unlock()
			if ch != nil {
				ch <- r
			}
			continue
		}
		var ev firefoxEvent
		_ = json.Unmarshal(line, &ev)
		switch ev.Event {
		case "console", "exception":
			if ev.Event == "exception" {
				ev.Type = "exception"
			}
			f.mu.Lock()
			f.console = append(f.console, ev.ConsoleEntry)
			f.mu.Unlock()
		case "failed":
			f.setGone(errors.New(ev.Error))
			select {
			case f.events <- ev:
			default:
			}
		default:
			select {
			case f.events <- ev:
			default:
			}
		}
	}
	out.Close()
	err := sc.Err()
	if err == nil {
		err = errors.New("the driver exited")
	}
	f.setGone(err)
	f.mu.Lock()
	for id, ch := range f.pending {
		close(ch)
		delete(f.pending, id)
	}
	f.mu.Unlock()
}

func (f *Firefox) setGone(err error) {
	f.mu.Lock()
	if f.gone == nil {
		f.gone = err
	}
	f.mu.Unlock()
}

func (f *Firefox) goneErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gone
}

// send writes one command line; it does not wait for the answer.
func (f *Firefox) send(cmd map[string]any) error {
	line, err := json.Marshal(cmd)
	if err != nil {
		return err
	}
	f.cmdMu.Lock()
	defer f.cmdMu.Unlock()
	_, err = f.cmds.Write(append(line, '\n'))
	return err
}

// call sends a command and waits, at most actionTimeout and while ctx
// lasts, for its answer.
func (f *Firefox) call(ctx context.Context, cmd map[string]any) (firefoxReply, error) {
	ch := make(chan firefoxReply, 1)
	f.mu.Lock()
	if f.gone != nil {
		err := f.gone
		f.mu.Unlock()
		return firefoxReply{}, fmt.Errorf("firefox driver: %v", err)
	}
	f.nextID++
	id := f.nextID
	f.pending[id] = ch
	f.mu.Unlock()
	cmd["id"] = id
	if err := f.send(cmd); err != nil {
		f.forget(id)
		return firefoxReply{}, fmt.Errorf("firefox driver: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, actionTimeout)
	defer cancel()
	select {
	case r, ok := <-ch:
		if !ok {
			return r, fmt.Errorf("firefox driver: %v", f.goneErr())
		}
		if r.Error != "" {
			return r, errors.New(r.Error)
		}
		return r, nil
	case <-ctx.Done():
		f.forget(id)
		return firefoxReply{}, fmt.Errorf("firefox %s: %w", cmd["op"], ctx.Err())
	}
}

func (f *Firefox) forget(id int) {
	f.mu.Lock()
	delete(f.pending, id)
	f.mu.Unlock()
}

// killBrowser ends what the driver could not: Firefox runs in a process
// group of its own (puppeteer starts it detached), which a driver killed
// outright leaves behind. The group is only killed while its leader is
// still the Firefox of this profile, so a recycled id is never hit.
func (f *Firefox) killBrowser() {
	if f.pid > 0 {
		cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(f.pid) + "/cmdline")
		if err == nil && strings.Contains(string(cmdline), f.profile) {
			if syscall.Kill(-f.pid, syscall.SIGKILL) == nil {
				waitGroupGone(f.pid, stopGrace)
			}
		}
	}
	killProcsWithArg(f.profile)
}

// Close ends the browser now rather than when the test ends, with the same
// reporting. It is idempotent.
func (f *Firefox) Close() { f.closeOnce.Do(f.close) }

func (f *Firefox) tb() testing.TB { return f.t }

// evalJSON implements Page.
func (f *Firefox) evalJSON(ctx context.Context, expr string) ([]byte, error) {
	r, err := f.call(ctx, map[string]any{"op": "eval", "expr": expr})
	if err != nil || r.JSON == nil {
		return nil, err
	}
	return []byte(*r.JSON), nil
}

// Navigate loads url in the tab and waits for its load event.
func (f *Firefox) Navigate(url string) {
	f.t.Helper()
	if err := f.NavigateErr(url); err != nil {
		f.t.Fatal(err)
	}
}

// NavigateErr is Navigate returning its error.
func (f *Firefox) NavigateErr(url string) error {
	if _, err := f.call(f.t.Context(), map[string]any{"op": "navigate", "url": url}); err != nil {
		return fmt.Errorf("e2e: navigate %s: %v", url, err)
	}
	return nil
}

// WaitJS polls a JavaScript expression until it is truthy, failing the
// test after timeout.
func (f *Firefox) WaitJS(expr string, timeout time.Duration) {
	f.t.Helper()
	if err := f.WaitJSErr(f.t.Context(), expr, timeout); err != nil {
		f.t.Fatal(err)
	}
}

// WaitJSErr implements Page.
func (f *Firefox) WaitJSErr(ctx context.Context, expr string, timeout time.Duration) error {
	return waitJS(ctx, f, expr, timeout)
}

// CanvasErr implements Page.
func (f *Firefox) CanvasErr(ctx context.Context, selector string) (*raster.Image, error) {
	return readCanvas(ctx, f, fmt.Sprintf("document.querySelector(%q)", selector), selector)
}

// Click clicks the left button at page coordinates (x, y).
func (f *Firefox) Click(x, y float64) error {
	_, err := f.call(f.t.Context(), map[string]any{"op": "mouse", "actions": []map[string]any{{"type": "click", "x": x, "y": y}}})
	return err
}

// Focus focuses the element matched by a CSS selector.
func (f *Firefox) Focus(selector string) error {
	_, err := EvalErr[bool](f.t.Context(), f, fmt.Sprintf("(() => { const e = document.querySelector(%q); e.focus(); return document.activeElement === e; })()", selector))
	return err
}

// TypeUS types text as a US keyboard would, Shift going down and up as a
// key of its own around shifted characters (the client forwards physical
// keys, and WebDriver derives a key's code from its character alone). '\r'
// and '\n' press Enter.
func (f *Firefox) TypeUS(text string) error {
	var actions []map[string]any
	key := func(typ, k string) { actions = append(actions, map[string]any{"type": typ, "key": k}) }
	for _, r := range text {
		if r == '\r' || r == '\n' {
			key("press", "Enter")
			continue
		}
		shifted := unicode.IsUpper(r) || strings.ContainsRune(`~!@#$%^&*()_+{}|:"<>?`, r)
		if shifted {
			key("down", "Shift")
		}
		key("press", string(r))
		if shifted {
			key("up", "Shift")
		}
	}
	_, err := f.call(f.t.Context(), map[string]any{"op": "keys", "actions": actions})
	return err
}

// Press presses key (a character or a WebDriver key name such as
// "Insert") with modifiers ("Control", "Shift", "Alt", "Meta") held.
func (f *Firefox) Press(key string, modifiers ...string) error {
	var actions []map[string]any
	for _, m := range modifiers {
		actions = append(actions, map[string]any{"type": "down", "key": m})
	}
	actions = append(actions, map[string]any{"type": "press", "key": key})
	for _, m := range slices.Backward(modifiers) {
		actions = append(actions, map[string]any{"type": "up", "key": m})
	}
	_, err := f.call(f.t.Context(), map[string]any{"op": "keys", "actions": actions})
	return err
}

// SetViewport resizes the page's viewport, as a user resizing the window
// would (the page sees a resize).
func (f *Firefox) SetViewport(w, h int) error {
	_, err := f.call(f.t.Context(), map[string]any{"op": "viewport", "width": w, "height": h})
	return err
}

// Screenshot saves a PNG of the whole page to path.
func (f *Firefox) Screenshot(path string) error {
	_, err := f.call(context.Background(), map[string]any{"op": "screenshot", "path": path})
	return err
}

func (f *Firefox) saveScreenshot() {
	if dir := ArtifactDir(f.t); dir != "" {
		path := filepath.Join(dir, "screenshot.png")
		if err := f.Screenshot(path); err != nil {
			f.t.Logf("e2e: screenshot: %v", err)
		} else {
			f.t.Logf("e2e: saved %s", path)
		}
	}
}

// Console returns the console messages and exceptions collected so far.
func (f *Firefox) Console() []ConsoleEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ConsoleEntry(nil), f.console...)
}

// ConsoleTexts implements Page.
func (f *Firefox) ConsoleTexts() []string {
	var texts []string
	for _, m := range f.Console() {
		texts = append(texts, m.Text)
	}
	return texts
}

// ConsoleErrors returns the collected errors and uncaught exceptions that
// no IgnoreConsole pattern matches.
func (f *Firefox) ConsoleErrors() []ConsoleEntry {
	var errs []ConsoleEntry
	for _, m := range f.Console() {
		if m.Type != "error" && m.Type != "exception" {
			continue
		}
		s := m.URL + ": " + m.Text
		ignored := false
		for _, re := range f.ignore {
			ignored = ignored || re.MatchString(s)
		}
		if !ignored {
			errs = append(errs, m)
		}
	}
	return errs
}

// reportConsole logs all messages and fails on unexpected errors.
func (f *Firefox) reportConsole() {
	msgs := f.Console()
	var all strings.Builder
	for _, m := range msgs {
		all.WriteString(m.String())
		all.WriteByte('\n')
	}
	if len(msgs) > 0 {
		f.t.Logf("firefox console (%d messages):\n%s", len(msgs), all.String())
	}
	if errs := f.ConsoleErrors(); len(errs) > 0 && !f.opts.AllowConsoleErrors {
		for _, m := range errs {
			f.t.Errorf("e2e: firefox console %s", m)
		}
	}
	if f.t.Failed() && len(msgs) > 0 {
		if dir := ArtifactDir(f.t); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "console.log"), []byte(all.String()), 0o644)
		}
	}
}

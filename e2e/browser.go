//go:build linux

package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spiceweb/wasm/raster"
)

// BrowserOptions configures StartBrowser.
type BrowserOptions struct {
	// Flags are extra Chromium switches, without the leading "--", as
	// "name" or "name=value"; for example
	// "host-resolver-rules=MAP console.test 127.0.0.1" to test a page in an
	// insecure context on loopback.
	Flags []string
	// WindowWidth and WindowHeight size the headless window; default
	// 1280x1024, so that a 1024x768 desktop and the page around it fit and
	// input events land on the canvas.
	WindowWidth, WindowHeight int
	// AllowConsoleErrors stops console errors and uncaught exceptions from
	// failing the test; they are still logged.
	AllowConsoleErrors bool
	// IgnoreConsole lists regular expressions; an error message matching
	// one (against "URL: text") does not fail the test. A missing
	// favicon.ico is always ignored.
	IgnoreConsole []string
}

// Browser is a headless Chromium with one tab, driven through chromedp.
type Browser struct {
	t      testing.TB
	ctx    context.Context // the tab's chromedp context
	opts   BrowserOptions
	ignore []*regexp.Regexp

	mu      sync.Mutex
	console []chromedp.ConsoleMessage

	logMu  sync.Mutex
	closed bool

	closeOnce sync.Once
	close     func()
}

// logf passes chromedp's own log lines to the test until the browser is
// closed: t.Logf after the test ends would panic.
func (b *Browser) logf(format string, args ...any) {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	if !b.closed {
		b.t.Logf("chromedp: "+format, args...)
	}
}

// actionTimeout bounds each browser round trip (navigate, evaluate).
const actionTimeout = 30 * time.Second

// StartBrowser starts /usr/bin/chromium headless with the flags from
// shared/test-servers.md and a fresh profile in t.TempDir(), and starts
// collecting the tab's console. When the test ends (or on Close) it closes
// the browser,
// logs every console message, fails the test on console errors and
// uncaught exceptions (see BrowserOptions), and, if the test failed, saves a
// screenshot and the console log as artifacts.
func StartBrowser(t testing.TB, opts BrowserOptions) *Browser {
	t.Helper()
	Require(t, browserTools...)
	if opts.WindowWidth == 0 || opts.WindowHeight == 0 {
		opts.WindowWidth, opts.WindowHeight = 1280, 1024
	}
	b := &Browser{t: t, opts: opts}
	for _, pat := range append([]string{`/favicon\.ico:`}, opts.IgnoreConsole...) {
		re, err := regexp.Compile(pat)
		if err != nil {
			t.Fatalf("e2e: IgnoreConsole %q: %v", pat, err)
		}
		b.ignore = append(b.ignore, re)
	}

	profile := filepath.Join(t.TempDir(), "chromium-profile")
	logPath := filepath.Join(t.TempDir(), "chromium.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// Exactly the switches of shared/test-servers.md: without the
	// background-networking ones Chromium keeps dialling out, which this
	// machine's closed network refuses. --no-sandbox because CI runs as root.
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(ToolChromium.Path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(opts.WindowWidth, opts.WindowHeight),
		chromedp.CombinedOutput(logFile),
	}
	for _, f := range opts.Flags {
		name, value, ok := strings.Cut(f, "=")
		if ok {
			allocOpts = append(allocOpts, chromedp.Flag(name, value))
		} else {
			allocOpts = append(allocOpts, chromedp.Flag(name, true))
		}
	}
	// Not t.Context(): that is cancelled before cleanups run, and the
	// cleanup below still needs the browser for a screenshot.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), allocOpts...)
	logf := b.logf
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	b.ctx = ctx

	startCtx, cancelStart := context.WithTimeout(ctx, startTimeout)
	defer cancelStart()
	// The first Run starts the browser; it must use ctx itself (a timeout
	// on it would end the browser), so it is bounded by a watchdog instead.
	stop := context.AfterFunc(startCtx, func() {
		if errors.Is(startCtx.Err(), context.DeadlineExceeded) {
			cancelTab()
		}
	})
	err = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	stop()

	collected := make(chan struct{})
	b.close = func() {
		if t.Failed() && err == nil {
			b.saveScreenshot()
		}
		closeCtx, cancel := context.WithTimeout(context.Background(), stopGrace)
		_ = chromedp.Cancel(closeCtx)
		cancel()
		cancelTab()
		cancelAlloc()
		// Chromium's helpers (zygote, renderers) can outlive a main process
		// that was killed; they all carry the profile path.
		killProcsWithArg("--user-data-dir=" + profile)
		if err == nil {
			<-collected
		}
		logFile.Close()
		b.logMu.Lock()
		b.closed = true // chromedp goroutines may still wind down
		b.logMu.Unlock()
		b.reportConsole()
		if t.Failed() {
			reportLogs(t, logPath)
		}
	}
	t.Cleanup(b.Close)
	if err != nil {
		t.Fatalf("e2e: starting chromium: %v", err)
	}

	// Subscribe before returning, so no message of the first page is lost.
	messages := chromedp.Console(ctx)
	go func() {
		defer close(collected)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// Close ends the browser now rather than when the test ends, with the same
// reporting (console, and on failure a screenshot and Chromium's log), for
// tests that start several browsers one after another. It is idempotent.
func (b *Browser) Close() { b.closeOnce.Do(b.close) }

// Context is the tab's chromedp context, for actions the helpers do not
// cover: chromedp.Run(b.Context(), ...). Bound each call with a timeout
// derived from it.
func (b *Browser) Context() context.Context { return b.ctx }

// Navigate loads url in the tab and waits for its load event.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	if err := b.NavigateErr(url); err != nil {
		b.t.Fatal(err)
	}
}

// NavigateErr is Navigate returning its error, for subtests: a browser
// started by the parent test must not fail the parent from a subtest.
func (b *Browser) NavigateErr(url string) error {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("e2e: navigate %s: %v", url, err)
	}
	return nil
}

// evalJSON implements Page.
func (b *Browser) evalJSON(ctx context.Context, expr string) ([]byte, error) {
	run, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	return chromedp.Run(run, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
}

func (b *Browser) tb() testing.TB { return b.t }

// WaitJS polls a JavaScript expression until it is truthy, failing the
// test after timeout with the last error, if any. A promise is awaited
// (its value must be truthy, not the promise).
func (b *Browser) WaitJS(expr string, timeout time.Duration) {
	b.t.Helper()
	if err := b.WaitJSErr(b.t.Context(), expr, timeout); err != nil {
		b.t.Fatal(err)
	}
}

// WaitJSErr is WaitJS returning its error, for subtests (see
// NavigateErr); ctx bounds it besides timeout.
func (b *Browser) WaitJSErr(ctx context.Context, expr string, timeout time.Duration) error {
	return waitJS(ctx, b, expr, timeout)
}

// CanvasErr reads the pixels of the canvas matched by the CSS selector.
func (b *Browser) CanvasErr(ctx context.Context, selector string) (*raster.Image, error) {
	return b.CanvasElemErr(ctx, fmt.Sprintf("document.querySelector(%q)", selector), selector)
}

// CanvasElemErr reads the pixels of the canvas that the JavaScript
// expression elem evaluates to, for a canvas no selector on the page
// reaches (one in a window the page opened). name stands for the canvas in
// errors, including when elem is null.
func (b *Browser) CanvasElemErr(ctx context.Context, elem, name string) (*raster.Image, error) {
	return readCanvas(ctx, b, elem, name)
}

// Canvas is CanvasErr that fails the test on error.
func (b *Browser) Canvas(selector string) *raster.Image {
	b.t.Helper()
	img, err := b.CanvasErr(b.t.Context(), selector)
	if err != nil {
		b.t.Fatal(err)
	}
	return img
}

// Screenshot saves a PNG of the whole page to path.
func (b *Browser) Screenshot(path string) error {
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

func (b *Browser) saveScreenshot() {
	if dir := ArtifactDir(b.t); dir != "" {
		path := filepath.Join(dir, "screenshot.png")
		if err := b.Screenshot(path); err != nil {
			b.t.Logf("e2e: screenshot: %v", err)
		} else {
			b.t.Logf("e2e: saved %s", path)
		}
	}
}

// Console returns the console messages collected so far.
func (b *Browser) Console() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.console...)
}

// ConsoleTexts implements Page.
func (b *Browser) ConsoleTexts() []string {
	var texts []string
	for _, m := range b.Console() {
		texts = append(texts, m.Text)
	}
	return texts
}

// ConsoleErrors returns the collected errors and uncaught exceptions that
// no IgnoreConsole pattern matches.
func (b *Browser) ConsoleErrors() []chromedp.ConsoleMessage {
	var errs []chromedp.ConsoleMessage
	for _, m := range b.Console() {
		if m.Type != chromedp.ConsoleError && !m.IsException() {
			continue
		}
		if !b.ignored(m) {
			errs = append(errs, m)
		}
	}
	return errs
}

func (b *Browser) ignored(m chromedp.ConsoleMessage) bool {
	s := m.URL + ": " + m.Text
	for _, re := range b.ignore {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func formatConsole(m chromedp.ConsoleMessage) string {
	where := ""
	if m.URL != "" {
		where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	return fmt.Sprintf("%s: %s%s", m.Type, m.Text, where)
}

// reportConsole logs all messages and fails on unexpected errors.
func (b *Browser) reportConsole() {
	msgs := b.Console()
	var all strings.Builder
	for _, m := range msgs {
		all.WriteString(formatConsole(m))
		all.WriteByte('\n')
	}
	if len(msgs) > 0 {
		b.t.Logf("browser console (%d messages):\n%s", len(msgs), all.String())
	}
	if errs := b.ConsoleErrors(); len(errs) > 0 && !b.opts.AllowConsoleErrors {
		for _, m := range errs {
			b.t.Errorf("e2e: browser console %s", formatConsole(m))
		}
	}
	if b.t.Failed() && len(msgs) > 0 {
		if dir := ArtifactDir(b.t); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "console.log"), []byte(all.String()), 0o644)
		}
	}
}

// Package e2e runs the client against real SPICE servers in a real browser:
// Xspice and QEMU as servers, websockify as the websocket proxy, headless
// Chromium driven through chromedp (and Firefox ESR over WebDriver BiDi for
// firefox_test.go), and the X server's own framebuffer (xwd) as the oracle
// for what the client canvas must show.
//
// Every helper takes the test's testing.TB, bounds its waits with timeouts,
// and registers a t.Cleanup that stops what it started by killing the
// process group it created, so a failing test leaves nothing behind. If
// the test binary itself dies (go test -timeout), the kernel signals each
// server (Pdeathsig) so that it exits too. On failure the helpers log the
// tail of each process log and copy logs, screenshots and image diffs into
// an artifacts directory (see ArtifactDir). Helpers report to the
// testing.TB that created them: call them from that test's goroutine.
//
// The helpers, by concern:
//
//   - gate.go: Require(t, tools...) skips, or fails under
//     SPICEWEB_E2E=require, when a tool is missing.
//   - ports.go: FreePort, FreeDisplay, WaitListen (asks ss; never connects).
//   - xspice.go, xclients.go: StartXspice and X clients on its display
//     (SetRootColor, XTerm, ShowImage, Plasma, xdotool moves and typing).
//   - vdagent.go: the guest agent on Xspice (XspiceOptions.VDAgent), the
//     X clipboard (xclip), the screen size (xdpyinfo, xrandr) and the
//     files the agent received.
//   - framebuffer.go, xwd.go: Framebuffer (xwd -root decoded by DecodeXWD),
//     WaitFramebuffer.
//   - qemu.go: StartQEMU, QMP, Screendump.
//   - websockify.go: StartWebsockify.
//   - browser.go: StartBrowser, Navigate, Eval, WaitJS, Canvas, Console.
//   - firefox.go, firefox/driver.mjs: StartFirefox, the same for Debian's
//     firefox-esr (a node script with puppeteer-core speaking WebDriver
//     BiDi, driven over JSON lines), plus Click, TypeUS, Press, Focus.
//   - page.go: Page, what both browsers offer (navigate, evaluate, wait,
//     read a canvas, console texts), so that Eval, CanvasSource and the
//     client helpers (openClient, wantMode, ...) serve either.
//   - compare.go, match.go: DiffImages, CompareImages, WaitImagesMatch,
//     SubImage, PointerBox.
//   - trace.go: Browser.Trace (a Chrome trace of chosen categories while a
//     function runs), RendererPID (the tab's renderer), MonotonicNow (the
//     trace's clock).
//   - procstat.go: ReadProcCPU (a process's CPU by thread), ReadProcs and
//     Others (the CPU of everything outside the test), ReadMachineCPU.
//   - audio.go, audiotap.go: sound. AudioFIFO writes into Xspice's playback
//     FIFO (XspiceOptions.AudioFIFODir) at real-time pace; Tone, Chirp,
//     Goertzel, PeakFrequency, RMS make and read signals; InstallAudioTap
//     listens to what the page's audio graph plays (TakeAudio, or
//     AudioOnsets for long runs of clicks; AudioClock pairs its time with
//     the wall clock); PlaybackCapture reads serve -record's playback
//     channel with the time each message passed the proxy.
//   - multimon_test.go: a two-head Xspice (--numheads 2 and xrandr giving
//     the second head a mode): startTwoHeads, clickRecorder (xev's root
//     coordinates), mouseLocation (xdotool getmouselocation).
//   - proxy_test.go, proxyload_test.go: StartServeArgs (serve/ in any
//     routing mode), the page through serve/ by token file and JWT, and
//     the proxy load and idle-memory benchmarks against websockify.
//
// The browser benchmarks (bench_test.go, console_bench_test.go) use these
// and print their figures; see the top of console_bench_test.go.
//
// Gating: the tools come from Debian packages that scripts/install-deps.sh
// installs. When one is missing, a test skips with a message naming that
// script; with SPICEWEB_E2E=require (CI sets it) a missing tool fails the
// test instead. SPICEWEB_E2E=skip, or go test -short, skips every
// end-to-end test (unless require is set).
//
// The facts the helpers rely on (Xorg config, flags, how to wait for a
// listening port without a probe connection) are written up in
// shared/test-servers.md.
package e2e

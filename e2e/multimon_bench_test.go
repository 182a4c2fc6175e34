//go:build linux

package e2e

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"spiceweb/bench"
)

// BenchmarkMultimonWindow: what a monitor's own window costs. A two-head
// Xspice on spice_auto.html (worker client, serve/, headless Chromium with
// software rendering); each round measures 3 s with the two monitors side
// by side in the console, then 3 s with monitor 2 in its window, into
// whose canvas (handed to the worker) Go presents monitor 2's part of each
// frame. Idle: nothing changes; Changing: the root window changes
// colour 10 times a second (every pixel of both monitors). Figures: the
// renderer's CPU (page, worker and the window's copies: the window is
// same-origin and runs in the page's renderer) and the whole browser's
// (every Chromium process: the window's compositing too), as a share of
// one core, medians over the rounds.
//
//	go test ./e2e -run '^$' -bench MultimonWindow -benchtime 5x   (~2 min)
//
// How the window came to be drawn by Go, measured here (renderer %cpu,
// side by side against window, medians of 5): the window copying its half
// of the screen canvas with drawImage at every animation frame cost 85%
// of a core idle (against 0); copying only what a frame changed, 0.7
// idle but 76 changing (against 7); Go presenting into the window's own
// canvas, 0.7 idle (0.3) and 4.7 changing (5.7).
func BenchmarkMultimonWindow(b *testing.B) {
	Require(b, multimonTools...)
	x, second := startTwoHeads(b, false)
	twoHeadDesktop(b, x, second)
	s := StartServe(b, x.Port)
	br := StartBrowser(b, BrowserOptions{WindowWidth: 1280, WindowHeight: 1000})
	br.Navigate(s.URL + "spice_auto.html?host=127.0.0.1&port=" + strconv.Itoa(s.Port) + "&scaling=down")
	br.WaitJS(`document.body.dataset.state === "connected" && SpiceWeb.pageConsole.monitors.list.length === 2`, 30*time.Second)
	pid, err := br.RendererPID(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	const window = 3 * time.Second
	measure := func() (renderer, browser float64) {
		r0, err := ReadProcCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		s0, err := ReadProcs(os.Getpid())
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		time.Sleep(window)
		r1, err := ReadProcCPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		s1, err := ReadProcs(os.Getpid())
		if err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start).Seconds()
		return r1.Sub(r0).Total.Seconds() / wall * 100, chromiumCPU(s1, s0).Seconds() / wall * 100
	}
	b.Run("Idle", func(b *testing.B) { multimonWindowRounds(b, br, measure) })
	b.Run("Changing", func(b *testing.B) {
		p := x.Start("xsetroot-loop", Tool{"sh", "/bin/sh", "dash"}, "-c",
			"while :; do "+ToolXsetroot.Path+" -solid '#3366cc'; sleep 0.05; "+ToolXsetroot.Path+" -solid '#cc6633'; sleep 0.05; done")
		defer p.Stop()
		multimonWindowRounds(b, br, measure)
	})
}

func multimonWindowRounds(b *testing.B, br *Browser, measure func() (renderer, browser float64)) {
	var sideR, sideB, winR, winB []float64
	for b.Loop() {
		Eval[bool](br, `(SpiceWeb.pageConsole.setMonitors("side"), true)`)
		time.Sleep(500 * time.Millisecond)
		r, c := measure()
		sideR, sideB = append(sideR, r), append(sideB, c)

		// Not from a click: blocked, and the bar's button opens it.
		Eval[bool](br, `(SpiceWeb.pageConsole.setMonitors("windows"), true)`)
		if Eval[bool](br, `SpiceWeb.pageConsole.monitors.windows.some((w) => w.state === "blocked")`) {
			if err := chromedp.Do(br.Context(), chromedp.Click(chromedp.CSS(".spiceweb-open-monitor"))); err != nil {
				b.Fatal(err)
			}
		}
		br.WaitJS(`SpiceWeb.pageConsole.monitors.windows.some((w) => w.index === 1 && w.state === "open")`, 10*time.Second)
		time.Sleep(500 * time.Millisecond)
		r, c = measure()
		winR, winB = append(winR, r), append(winB, c)
	}
	b.ReportMetric(bench.MedianFloat(sideR), "side-renderer-%cpu")
	b.ReportMetric(bench.MedianFloat(winR), "window-renderer-%cpu")
	b.ReportMetric(bench.MedianFloat(sideB), "side-browser-%cpu")
	b.ReportMetric(bench.MedianFloat(winB), "window-browser-%cpu")
	b.Logf("renderer %%cpu side %.1f, window %.1f; browser %%cpu side %.1f, window %.1f (per round: %v %v %v %v)",
		bench.MedianFloat(sideR), bench.MedianFloat(winR), bench.MedianFloat(sideB), bench.MedianFloat(winB), sideR, winR, sideB, winB)
}

// chromiumCPU is the CPU the Chromium processes under this test used
// between earlier and s.
func chromiumCPU(s, earlier ProcSnapshot) time.Duration {
	var total time.Duration
	for pid, st := range s.procs {
		if !strings.HasPrefix(st.name, "chrom") || !s.inTree(pid) {
			continue
		}
		before := earlier.procs[pid].cpu
		if before > st.cpu {
			before = 0
		}
		total += st.cpu - before
	}
	return total
}

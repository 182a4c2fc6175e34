//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// measurePage draws into a canvas on demand, on the main thread or from a
// worker through an OffscreenCanvas (as our client will), or keeps either
// thread busy, so that TestMeasureWindow knows what measureWindow must
// find.
const measurePage = `<!doctype html><canvas id="main" width="200" height="100"></canvas>
<canvas id="off" width="200" height="100"></canvas>
<script>
let timer = 0, n = 0;
const g = document.getElementById("main").getContext("2d");
const worker = new Worker(URL.createObjectURL(new Blob([` + "`" + `
let g = null, timer = 0, n = 0;
onmessage = (e) => {
	const m = e.data;
	if (m.canvas) g = m.canvas.getContext("2d");
	if (m.fps !== undefined) {
		clearInterval(timer);
		if (m.fps) timer = setInterval(() => { g.fillStyle = (n++ % 2) ? "#c00" : "#0c0"; g.fillRect(0, 0, 200, 100); }, 1000 / m.fps);
	}
	if (m.busy) { const end = performance.now() + m.busy; while (performance.now() < end); }
};` + "`" + `], {type: "text/javascript"})));
const off = document.getElementById("off").transferControlToOffscreen();
worker.postMessage({canvas: off}, [off]);
window.page = {
	main(fps) {
		clearInterval(timer);
		if (fps) timer = setInterval(() => { g.fillStyle = (n++ % 2) ? "#00c" : "#cc0"; g.fillRect(0, 0, 200, 100); }, 1000 / fps);
		return true;
	},
	worker(fps) { worker.postMessage({fps}); return true; },
	// Later, so that the window's first reading (CDP calls the main
	// thread answers) comes before the busy task.
	busyMain(ms) { setTimeout(() => { const end = performance.now() + ms; while (performance.now() < end); }, 300); return true; },
	busyWorker(ms) { worker.postMessage({busy: ms}); return true; },
};
</script>`

// TestMeasureWindow checks the console benchmarks' measurements against a
// page that does known work: frames drawn on the main thread and from a
// worker are counted, an idle page shows none, and busy time lands on the
// main thread or only on the renderer process as it should. The bounds
// are loose (the machine is shared and noisy); they catch a method that
// counts nothing, everything, or the wrong thread.
func TestMeasureWindow(t *testing.T) {
	Require(t, browserTools...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(measurePage))
	}))
	defer srv.Close()
	br := StartBrowser(t, BrowserOptions{})
	br.Navigate(srv.URL)
	Eval[bool](br, consoleProbeJS(t))
	ctx, cancel := context.WithTimeout(t.Context(), actionTimeout)
	defer cancel()
	pid, err := br.RendererPID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	enablePerformance(t, br)
	const d = 2 * time.Second
	const fps = 20

	w := measureWindow(t, br, pid, d)
	if w.Shown.Frames > 2 {
		t.Errorf("idle page: %d frames shown, want none", w.Shown.Frames)
	}
	if w.Shown.WorstGap < d*9/10 {
		t.Errorf("idle page: worst gap %v, want about the window, %v", w.Shown.WorstGap, d)
	}

	for _, where := range []string{"main", "worker"} {
		Eval[bool](br, "page."+where+"(20)")
		time.Sleep(300 * time.Millisecond)
		w := measureWindow(t, br, pid, d)
		Eval[bool](br, "page."+where+"(0)")
		t.Logf("drawing at %d fps on the %s thread: %.1f shown per second, worst gap %v", fps, where, w.Shown.PerSec, w.Shown.WorstGap)
		if w.Shown.PerSec < fps/2 || w.Shown.PerSec > fps*3/2 {
			t.Errorf("drawing at %d fps on the %s thread: %.1f frames shown per second", fps, where, w.Shown.PerSec)
		}
		if w.Shown.WorstGap > 500*time.Millisecond {
			t.Errorf("drawing at %d fps on the %s thread: worst gap %v", fps, where, w.Shown.WorstGap)
		}
	}

	// The busy loops run for a wall-clock time; on a loaded machine they
	// get less CPU than that, so the CPU checks are about where it went.
	Eval[bool](br, "page.busyMain(1200)")
	w = measureWindow(t, br, pid, d)
	t.Logf("main thread busy 1.2 s: busy %v, renderer CPU %v, by thread %v", w.Busy, w.CPU, w.Threads)
	if w.Busy < 1100*time.Millisecond {
		t.Errorf("main thread busy for 1.2 s: busy %v", w.Busy)
	}
	if w.CPU < 200*time.Millisecond || w.Threads[MainThread] < w.CPU/2 {
		t.Errorf("main thread busy for 1.2 s: renderer CPU %v, on the main thread %v; want most of it there", w.CPU, w.Threads[MainThread])
	}
	Eval[bool](br, "page.busyWorker(1200)")
	w = measureWindow(t, br, pid, d)
	t.Logf("worker busy 1.2 s: busy %v, renderer CPU %v, by thread %v", w.Busy, w.CPU, w.Threads)
	if w.Busy > 300*time.Millisecond {
		t.Errorf("worker busy for 1.2 s: main-thread busy %v, want next to nothing", w.Busy)
	}
	if w.CPU < 200*time.Millisecond || w.Threads["DedicatedWorker"] < w.CPU/2 {
		t.Errorf("worker busy for 1.2 s: renderer CPU %v, on the worker %v; want most of it there", w.CPU, w.Threads["DedicatedWorker"])
	}
}

func TestStatsRate(t *testing.T) {
	a := json.RawMessage(`{"frames": 10, "mode": "worker", "load": {"ready": 300}, "sockets": {"messages": 100}}`)
	b := json.RawMessage(`{"frames": 60, "mode": "worker", "load": {"ready": 300}, "sockets": {"messages": 600}}`)
	got := statsRate(a, b, 5*time.Second)
	want := map[string]float64{"frames": 10, "sockets.messages": 100, "mode=worker": 0}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := statsRate(json.RawMessage("null"), b, time.Second); got != nil {
		t.Errorf("a page without counters: got %v, want nil", got)
	}
}

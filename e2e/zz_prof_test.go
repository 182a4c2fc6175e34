//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"

	"spiceweb/bench"
)

func TestZZProf(t *testing.T) {
	x := StartXspice(t, XspiceOptions{})
	x.SetRootColor("#3366cc")
	ws := StartWebsockify(t, "/tmp/profsite", x.Port)
	b := StartBrowser(t, BrowserOptions{AllowConsoleErrors: true})
	b.Navigate(fmt.Sprintf("%sspice_auto.html?host=127.0.0.1&port=%d&worker=0%s", ws.URL, ws.Port, os.Getenv("Q")))
	b.WaitJS(`document.body.dataset.state === "connected"`, 20*time.Second)
	x.XTerm(scrollXTerm)
	time.Sleep(3 * time.Second)
	ctx := b.Context()
	chromedp.Call(ctx, profiler.Enable, cdp.Empty{})
	chromedp.Call(ctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200})
	chromedp.Call(ctx, profiler.Start, cdp.Empty{})
	st0 := Eval[string](b, `SpiceWeb.pageConsole.stats().then(s => JSON.stringify(s))`)
	time.Sleep(5 * time.Second)
	st1 := Eval[string](b, `SpiceWeb.pageConsole.stats().then(s => JSON.stringify(s))`)
	res, err := chromedp.Call(ctx, profiler.Stop, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res.Profile)
	p, err := bench.ParseCPUProfile(raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats before %s\nafter %s", st0, st1)
	t.Logf("top:\n%s", bench.FormatShares(bench.TopSelf(p, 45)))
	// by package
	shares := bench.TopSelf(p, 100000)
	byPkg := map[string]float64{}
	for _, s := range shares {
		k := s.Name
		if i := strings.Index(k, "."); i > 0 && strings.Contains(k[:i], "/") || strings.HasPrefix(k, "runtime.") || strings.HasPrefix(k, "syscall") {
			k = k[:strings.Index(k, ".")]
		} else if strings.HasPrefix(k, "(") {
		} else {
			k = "JS/native: " + k
		}
		byPkg[k] += s.Share
	}
	var keys []string
	for k := range byPkg {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return byPkg[keys[i]] > byPkg[keys[j]] })
	for _, k := range keys[:min(30, len(keys))] {
		t.Logf("%6.2f%% %s", byPkg[k], k)
	}
}

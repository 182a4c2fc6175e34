//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/chromedp/cdproto/cdp"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/tracing"
	"github.com/chromedp/chromedp"
)

// TraceEvent is one event of a Chrome trace, as Tracing.dataCollected
// delivers it (the JSON trace event format).
type TraceEvent struct {
	Name string `json:"name"`
	Cat  string `json:"cat"`
	Ph   string `json:"ph"`
	Pid  int    `json:"pid"`
	Tid  int    `json:"tid"`
	// Ts is in microseconds of Chrome's TimeTicks, which on Linux is
	// CLOCK_MONOTONIC: compare it with MonotonicNow.
	Ts   int64           `json:"ts"`
	Dur  int64           `json:"dur"` // of complete ("X") events, in microseconds
	Args json.RawMessage `json:"args"`
}

// maxTraceEvents bounds what Trace keeps: a category that turns out to be
// chattier than expected fails the call instead of filling memory.
const maxTraceEvents = 2_000_000

// Trace records a Chrome trace of the given categories (and nothing else)
// while during runs, and returns its events. Pick categories that stay out
// of the way of what is being measured: a disabled-by-default category
// that fires once per frame costs next to nothing, devtools.timeline
// records every task of the page.
func (b *Browser) Trace(ctx context.Context, categories []string, during func() error) ([]TraceEvent, error) {
	// ctx only adds a deadline or cancellation; the trace is always of b's
	// tab (as with EvalErr).
	outer := ctx
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	defer context.AfterFunc(outer, cancel)()
	// Listen, not Events: it sees the events in the order they arrive, so
	// every dataCollected has been seen once tracingComplete is.
	var (
		mu       sync.Mutex
		raws     []jsonv2.Value
		tooMany  bool
		complete = make(chan bool, 1) // DataLossOccurred
	)
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *tracing.EventDataCollected:
			mu.Lock()
			if len(raws)+len(e.Value) > maxTraceEvents {
				tooMany = true
			} else {
				raws = append(raws, e.Value...)
			}
			mu.Unlock()
		case *tracing.EventTracingComplete:
			select {
			case complete <- e.DataLossOccurred:
			default:
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("e2e: listening for the trace: %w", err)
	}

	call, cancelCall := context.WithTimeout(ctx, actionTimeout)
	defer cancelCall()
	if _, err := chromedp.Call(call, tracing.Start, tracing.StartParams{
		TransferMode: tracing.StartTransferModeReportEvents,
		TraceConfig: &tracing.TraceConfig{
			RecordMode:         tracing.TraceConfigRecordModeRecordUntilFull,
			IncludedCategories: categories,
			ExcludedCategories: []string{"*"},
		},
	}); err != nil {
		return nil, fmt.Errorf("e2e: Tracing.start: %w", err)
	}
	duringErr := during()
	if _, err := chromedp.Call(call, tracing.End, cdp.Empty{}); err != nil {
		return nil, errors.Join(duringErr, fmt.Errorf("e2e: Tracing.end: %w", err))
	}
	var lost bool
	select {
	case lost = <-complete:
	case <-call.Done():
		return nil, errors.Join(duringErr, fmt.Errorf("e2e: waiting for the trace: %w", call.Err()))
	}
	cancel()
	mu.Lock()
	defer mu.Unlock()
	if tooMany {
		return nil, errors.Join(duringErr, fmt.Errorf("e2e: trace of %v: more than %d events", categories, maxTraceEvents))
	}
	if lost {
		return nil, errors.Join(duringErr, fmt.Errorf("e2e: trace of %v lost data", categories))
	}
	events := make([]TraceEvent, 0, len(raws))
	for _, raw := range raws {
		var e TraceEvent
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, errors.Join(duringErr, fmt.Errorf("e2e: trace event %.200s: %w", raw, err))
		}
		events = append(events, e)
	}
	return events, duringErr
}

// RendererPID returns the process id of the renderer that runs the tab's
// main frame, from the TracingStartedInBrowser event of a short trace:
// CDP names no process ids otherwise, and a browser runs several renderers
// (a spare one, the one of the previous page) that a process tree alone
// cannot tell apart. It costs about a second, during which the page runs
// with timeline tracing on, so call it before measuring, not during.
func (b *Browser) RendererPID(ctx context.Context) (int, error) {
	events, err := b.Trace(ctx, []string{"disabled-by-default-devtools.timeline"}, func() error { return nil })
	if err != nil {
		return 0, err
	}
	for _, e := range events {
		if e.Name != "TracingStartedInBrowser" {
			continue
		}
		var args struct {
			Data struct {
				Frames []struct {
					ProcessID            int    `json:"processId"`
					URL                  string `json:"url"`
					IsOutermostMainFrame bool   `json:"isOutermostMainFrame"`
				} `json:"frames"`
			} `json:"data"`
		}
		if err := json.Unmarshal(e.Args, &args); err != nil {
			return 0, fmt.Errorf("e2e: TracingStartedInBrowser: %w", err)
		}
		for _, f := range args.Data.Frames {
			if f.IsOutermostMainFrame && f.ProcessID > 0 {
				return f.ProcessID, nil
			}
		}
		return 0, fmt.Errorf("e2e: TracingStartedInBrowser names no main frame process: %s", e.Args)
	}
	return 0, errors.New("e2e: the trace has no TracingStartedInBrowser event")
}

// MonotonicNow reads CLOCK_MONOTONIC, the clock of Chrome's trace
// timestamps on Linux. Go's own monotonic readings are relative to the
// start of the process and cannot be compared with them.
func MonotonicNow() time.Duration {
	var ts syscall.Timespec
	// CLOCK_MONOTONIC = 1. Reading it cannot fail with a valid pointer.
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

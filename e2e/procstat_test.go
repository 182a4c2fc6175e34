//go:build linux

package e2e

import (
	"os"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	for _, tc := range []struct {
		line string
		name string
		cpu  time.Duration
		bad  bool
	}{
		{line: "4242 (CrRendererMain) S 1 2 3 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 20 0 99 1 2\n",
			name: "CrRendererMain", cpu: 2870 * time.Millisecond},
		// comm with spaces and a ')' of its own: fields count from the last ')'.
		{line: "7 (a b) c)) R 1 2 3 0 -1 0 0 0 0 0 1 2 0 0", name: "a b) c)", cpu: 30 * time.Millisecond},
		{line: "7 (x) R 1 2 3", bad: true},
		{line: "7 x R 1 2 3 0 -1 0 0 0 0 0 1 2", bad: true},
		{line: "7 (x) R 1 2 3 0 -1 0 0 0 0 0 -1 2 0", bad: true},
	} {
		name, cpu, err := parseStat([]byte(tc.line))
		if tc.bad {
			if err == nil {
				t.Errorf("parseStat(%q) = %q, %v; want an error", tc.line, name, cpu)
			}
			continue
		}
		if err != nil || name != tc.name || cpu != tc.cpu {
			t.Errorf("parseStat(%q) = %q, %v, %v; want %q, %v", tc.line, name, cpu, err, tc.name, tc.cpu)
		}
	}
}

// TestReadProcCPU reads the test binary itself, which has burnt some CPU
// by now and has a thread named after it.
func TestReadProcCPU(t *testing.T) {
	deadline := time.Now().Add(30 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	p, err := ReadProcCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if p.Total < clockTick {
		t.Errorf("total CPU %v after a 30 ms busy loop", p.Total)
	}
	var sum time.Duration
	for _, cpu := range p.Threads {
		sum += cpu
	}
	if _, ok := p.Threads[MainThread]; !ok {
		t.Errorf("no %q among %v", MainThread, p.Threads)
	}
	if len(p.Threads) == 0 || sum > p.Total {
		t.Errorf("threads %v sum to %v, more than the total %v", p.Threads, sum, p.Total)
	}
	d := p.Sub(ProcCPU{Total: p.Total - time.Second, Threads: map[string]time.Duration{}})
	if d.Total != time.Second {
		t.Errorf("Sub: total %v, want 1s", d.Total)
	}
}

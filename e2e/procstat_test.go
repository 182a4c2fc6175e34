//go:build linux

package e2e

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		line string
		want statLine
		bad  bool
	}{
		{line: "4242 (CrRendererMain) S 1 2 3 0 -1 4194560 100 0 0 0 250 37 4 6 20 0 20 0 99 1 2\n",
			want: statLine{name: "CrRendererMain", state: 'S', ppid: 1, cpu: 2870 * ms, children: 100 * ms}},
		// comm with spaces and a ')' of its own: fields count from the last ')'.
		{line: "7 (a b) c)) R 99 2 3 0 -1 0 0 0 0 0 1 2 0 0", want: statLine{name: "a b) c)", state: 'R', ppid: 99, cpu: 30 * ms}},
		{line: "7 (x) R 1 2 3", bad: true},
		{line: "7 x R 1 2 3 0 -1 0 0 0 0 0 1 2 0 0", bad: true},
		{line: "7 (x) R 1 2 3 0 -1 0 0 0 0 0 -1 2 0 0", bad: true},
	} {
		got, err := parseStat([]byte(tc.line))
		if tc.bad {
			if err == nil {
				t.Errorf("parseStat(%q) = %+v; want an error", tc.line, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v", tc.line, got, err, tc.want)
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

func TestParseMachineStat(t *testing.T) {
	m, err := parseMachineStat([]byte("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Busy != 1500*time.Millisecond || m.Total != 10*time.Second {
		t.Errorf("got %+v, want 1.5s busy of 10s", m)
	}
	later := MachineCPU{Busy: m.Busy + time.Second, Total: m.Total + 4*time.Second}
	if s := later.Share(m); s != 0.25 {
		t.Errorf("share %v, want 0.25", s)
	}
	for _, bad := range []string{"", "intr 1 2 3 4 5 6", "cpu 1 2 x 4 5 6"} {
		if _, err := parseMachineStat([]byte(bad)); err == nil {
			t.Errorf("parseMachineStat(%q): no error", bad)
		}
	}
	if _, err := ReadMachineCPU(); err != nil {
		t.Error(err)
	}
}

// TestProcSnapshotOthers: a busy child of the test counts as the
// benchmark's, not as others'.
func TestProcSnapshotOthers(t *testing.T) {
	before, err := ReadProcs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// A shell loop that burns about 100 ms of CPU.
	if out, err := exec.Command("sh", "-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	after, err := ReadProcs(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self := after.procs[os.Getpid()].children - before.procs[os.Getpid()].children
	if self < 2*clockTick {
		t.Errorf("the test's waited-for children grew by %v after a busy child", self)
	}
	// What others used is not checked here: go test ./... runs other
	// packages' tests (browsers, servers) alongside, and they are others.
	// TestOthersArithmetic checks the accounting on fixed snapshots.
	if others := after.Others(before); others < 0 {
		t.Errorf("others used %v", others)
	}
	if _, err := ReadProcs(1 << 30); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

func TestOthersArithmetic(t *testing.T) {
	ms := time.Millisecond
	// 10 is the benchmark (root), 11 its child, 12 its orphan now under
	// init; 20 is someone else's, 21 their child, 30 appeared meanwhile.
	earlier := ProcSnapshot{root: 10, procs: map[int]statLine{
		1:  {ppid: 0, cpu: 100 * ms, children: 1000 * ms},
		10: {ppid: 1, cpu: 500 * ms},
		11: {ppid: 10, cpu: 100 * ms},
		20: {ppid: 1, cpu: 200 * ms, children: 50 * ms},
		21: {ppid: 20, cpu: 10 * ms},
	}}
	later := ProcSnapshot{root: 10, procs: map[int]statLine{
		1:  {ppid: 0, cpu: 110 * ms, children: 9000 * ms}, // init reaped our orphans: not others'
		10: {ppid: 1, cpu: 900 * ms},
		11: {ppid: 10, cpu: 300 * ms},
		20: {ppid: 1, cpu: 260 * ms, children: 80 * ms}, // +60 own, +30 waited for
		21: {ppid: 20, cpu: 15 * ms},
		30: {ppid: 20, cpu: 40 * ms},
		31: {ppid: 1, state: 'Z', cpu: 700 * ms}, // our killed orphan, not reaped yet
	}}
	// init +10, 20 +90, 21 +5, 30 +40
	if got, want := later.Others(earlier), 145*ms; got != want {
		t.Errorf("others %v, want %v", got, want)
	}
}

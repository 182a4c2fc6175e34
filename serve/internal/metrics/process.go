//go:build unix

package metrics

import (
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RegisterProcess adds the usual process_* and go_* metrics: CPU time,
// resident memory, open files, goroutines, heap in use. Values this
// system cannot give (no /proc) are left out of the scrape.
func RegisterProcess(r *Registry) {
	start := float64(time.Now().UnixNano()) / 1e9
	r.NewCounterFunc("process_cpu_seconds_total", "User and system CPU time spent, in seconds.", cpuSeconds)
	r.NewGaugeFunc("process_resident_memory_bytes", "Resident memory size, in bytes.", residentBytes)
	r.NewGaugeFunc("process_open_fds", "Open file descriptors.", openFDs)
	r.NewGaugeFunc("process_start_time_seconds", "Start time of the process, in seconds since the epoch.", func() float64 { return start })
	r.NewGaugeFunc("go_goroutines", "Goroutines that currently exist.", func() float64 { return float64(runtime.NumGoroutine()) })
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	r.NewGaugeFunc("go_heap_objects_bytes", "Memory occupied by live and not yet swept heap objects, in bytes.", func() float64 {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return math.NaN()
		}
		return float64(sample[0].Value.Uint64())
	})
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// residentBytes reads /proc/self/statm (Linux): the second field is the
// resident set in pages.
func residentBytes() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return math.NaN()
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return math.NaN()
	}
	pages, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return math.NaN()
	}
	return float64(pages) * float64(os.Getpagesize())
}

func openFDs() float64 {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return math.NaN()
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return math.NaN()
	}
	return float64(len(names) - 1) // less the directory being read
}

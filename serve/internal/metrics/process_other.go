//go:build !unix

package metrics

import "runtime"

// RegisterProcess adds what this system can give: goroutines.
func RegisterProcess(r *Registry) {
	r.NewGaugeFunc("go_goroutines", "Goroutines that currently exist.", func() float64 { return float64(runtime.NumGoroutine()) })
}

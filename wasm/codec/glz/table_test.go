package glz

import (
	"math/rand/v2"
	"testing"
)

// TestImageTable runs random puts and removes against a Go map, with
// consecutive ids (as a session has), ids spread far apart, and ids that
// share their low bits.
func TestImageTable(t *testing.T) {
	for name, key := range map[string]func(r *rand.Rand) uint64{
		"consecutive": func(r *rand.Rand) uint64 { return 1000 + r.Uint64N(300) },
		"spread":      func(r *rand.Rand) uint64 { return r.Uint64N(1 << 62) },
		"low bits":    func(r *rand.Rand) uint64 { return r.Uint64N(300) << 20 },
	} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var tb imageTable
			want := map[uint64]int{}
			for step := range 20000 {
				id := key(rng)
				if rng.IntN(3) == 0 {
					e, ok := tb.remove(id)
					n, wok := want[id]
					if ok != wok || ok && e.n != n {
						t.Fatalf("step %d: remove(%d) = %v, %v; want %v, %v", step, id, e.n, ok, n, wok)
					}
					delete(want, id)
				} else if _, ok := want[id]; !ok {
					tb.put(id, entry{n: step})
					want[id] = step
				}
				if step%1000 == 0 || step == 19999 {
					if tb.n != len(want) {
						t.Fatalf("step %d: %d entries, want %d", step, tb.n, len(want))
					}
					for id, n := range want {
						if e := tb.get(id); e == nil || e.n != n {
							t.Fatalf("step %d: get(%d) = %v, want %d", step, id, e, n)
						}
					}
					if e := tb.get(1<<63 + 5); e != nil {
						t.Fatalf("step %d: found an id never put", step)
					}
				}
			}
			tb.clear()
			if tb.n != 0 || tb.get(1000) != nil {
				t.Fatal("clear left entries")
			}
		})
	}
}

package quic

import (
	"math/rand/v2"
	"testing"
)

// refModel is update_model as spice-common writes it, with plain 32-bit
// counters, to check the packed 16-bit lanes against.
type refModel struct {
	best uint8
	cnt  [8]uint32
}

func (m *refModel) update(f *family, v uint8, trigger uint32) {
	codeLen := func(l uint) uint32 {
		if uint(v) < f.nGR[l] {
			return uint32(uint(v)>>l + l + 1)
		}
		return uint32(f.escLen[l])
	}
	best := f.bpc - 1
	m.cnt[best] += codeLen(best)
	bestLen := m.cnt[best]
	for l := int(f.bpc) - 2; l >= 0; l-- {
		m.cnt[l] += codeLen(uint(l))
		if m.cnt[l] < bestLen {
			best, bestLen = uint(l), m.cnt[l]
		}
	}
	m.best = uint8(best)
	if bestLen > trigger {
		for l := range f.bpc {
			m.cnt[l] >>= 1
		}
	}
}

// TestModelUpdate drives one bucket of the packed model and the reference
// with the same residuals, including long runs of the largest ones (which
// push the counters of small parameters up fastest), and requires the same
// best parameter and counters after every update.
func TestModelUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var maxSeen uint32
	for _, f := range []*family{family8, family5} {
		for trial := range 200 {
			var ms [1]model
			ms[0].reset(f)
			ref := refModel{best: uint8(f.bpc - 1)}
			for step := range 3000 {
				var v uint8
				switch trial % 4 {
				case 0:
					v = uint8(rng.UintN(uint(f.max) + 1))
				case 1:
					v = uint8(f.max - uint(rng.UintN(3)))
				case 2:
					v = uint8(rng.UintN(3))
				default:
					if step/500%2 == 0 {
						v = uint8(f.max)
					} else {
						v = 0
					}
				}
				trigger := triggers[(step/400)%(wmiMax+1)]
				// Bucket 0 is chosen by a zero context.
				updateModels(ms[:], f, 0, uint(v), trigger)
				ref.update(f, v, trigger)
				m := &ms[0]
				for l := range uint(8) {
					got := uint32(m.cnt[0][l>>2] >> (16 * (l & 3)) & 0xffff)
					if l < f.bpc && got != ref.cnt[l] || got >= 1<<15 {
						t.Fatalf("bpc %d trial %d step %d: counter %d = %d, want %d", f.bpc, trial, step, l, got, ref.cnt[l])
					}
				}
				for l := range f.bpc {
					maxSeen = max(maxSeen, ref.cnt[l])
				}
				if m.best[0] != ref.best {
					t.Fatalf("bpc %d trial %d step %d: best %d, want %d", f.bpc, trial, step, m.best[0], ref.best)
				}
			}
		}
	}
	t.Logf("largest counter: %d", maxSeen)
}

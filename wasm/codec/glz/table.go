package glz

// imageTable maps GLZ ids to the window's entries. It replaces a Go map,
// whose generic hashing and calls were a tenth of the wasm decode time of
// small images: open addressing with linear probing, at most half full,
// Fibonacci hashing (ids are mostly consecutive, which it spreads evenly)
// and backward-shift deletion, so there are no tombstones.
type imageTable struct {
	slots []slot // len is 0 or a power of two
	shift uint   // 64 - log2(len(slots))
	n     int    // slots in use
}

type slot struct {
	id   uint64
	used bool
	e    entry
}

const minTable = 64

func (t *imageTable) home(id uint64) int {
	return int(id * 0x9e3779b97f4a7c15 >> t.shift)
}

// get returns the entry of id, or nil.
func (t *imageTable) get(id uint64) *entry {
	if t.n == 0 {
		return nil
	}
	mask := len(t.slots) - 1
	for i := t.home(id); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if !s.used {
			return nil
		}
		if s.id == id {
			return &s.e
		}
	}
}

// put adds id, which must not be present.
func (t *imageTable) put(id uint64, e entry) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	i := t.home(id)
	for t.slots[i].used {
		i = (i + 1) & mask
	}
	t.slots[i] = slot{id: id, used: true, e: e}
	t.n++
}

func (t *imageTable) grow() {
	old := t.slots
	size := max(minTable, 2*len(old))
	t.slots = make([]slot, size)
	t.shift = 64
	for s := size; s > 1; s >>= 1 {
		t.shift--
	}
	t.n = 0
	for i := range old {
		if old[i].used {
			t.put(old[i].id, old[i].e)
		}
	}
}

// remove deletes id and returns its entry, if present.
func (t *imageTable) remove(id uint64) (entry, bool) {
	if t.n == 0 {
		return entry{}, false
	}
	mask := len(t.slots) - 1
	i := t.home(id)
	for t.slots[i].id != id || !t.slots[i].used {
		if !t.slots[i].used {
			return entry{}, false
		}
		i = (i + 1) & mask
	}
	e := t.slots[i].e
	// Move back every later entry of the probe run that may sit in the
	// hole: one whose home is not cyclically within (i, j].
	for j := (i + 1) & mask; t.slots[j].used; j = (j + 1) & mask {
		h := t.home(t.slots[j].id)
		if (j-h)&mask >= (j-i)&mask {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = slot{}
	t.n--
	return e, true
}

// clear empties the table, keeping its slots.
func (t *imageTable) clear() {
	clear(t.slots)
	t.n = 0
}

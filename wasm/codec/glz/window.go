package glz

import (
	"context"
	"sort"
	"sync"
)

// Window is the GLZ dictionary of a session: the decoded images that later
// GLZ images may copy from, keyed by GLZ id. One Window serves all display
// channels of a session; its methods are safe for concurrent use.
//
// Images are kept as RGBA pixels in coded row order (not flipped), since
// matches address them by their offset in that order. Release follows
// spice-gtk decode-glz.c: after an image is added, the window drops every
// image older than the window head of the newest image that has no gap
// before it. Images from different channels arrive out of order, and a
// late image may still need what precedes its own head.
type Window struct {
	mu sync.Mutex

	max    int // the window size the server was given, in pixels
	budget int // bound on used

	images imageTable
	// oldest is the lowest id not released; tailGap is the lowest id
	// >= oldest that has not arrived. Every id in [oldest, tailGap) is in
	// images.
	oldest, tailGap uint64
	// used counts the cost of the images held plus the reservations of
	// decodes in progress.
	used int

	gen    uint64 // changes on Reset and Close; waiters compare it
	closed bool
	wake   chan struct{} // closed when images change, if someone waits

	free      [][]byte // pixel buffers of released images, for reuse
	freeBytes int
	evictIDs  []uint64 // scratch for evict
	inflaters []*inflater
}

// entry is one image in the window.
type entry struct {
	pix   []byte // RGBA, coded row order; nil if the image failed to decode
	n     int    // pixels
	alpha bool   // RGBA type: its A bytes were coded
	dist  uint32 // WinHeadDist
}

// budgetFactor bounds the pixels a window holds, as a multiple of the
// size announced to the server. The server keeps the images an encoder may
// reference within that size (glz-encoder-dict.c
// glz_dictionary_window_get_new_head), so one channel needs 1x; images
// held above a gap, and decodes running on several channels, need more.
const budgetFactor = 3

// entryOverhead is the least an image costs, so that many tiny or failed
// images cannot grow the map without bound.
const entryOverhead = 64

// maxWindow is the largest dictionary the server creates
// (lz_common.h LZ_MAX_WINDOW_SIZE).
const maxWindow = 1 << 25

// Free buffers kept for reuse: at most this many, holding at most the
// announced window size. In a steady session each decode releases about
// what it adds, so few are kept; after Reset the whole window's buffers
// serve the images that follow.
const maxFree = 128

func cost(n int) int { return max(n, entryOverhead) }

// NewWindow returns an empty window for a dictionary of maxPixels pixels,
// the glz_dictionary_window_size the client announced in DISPLAY_INIT.
// Values outside 1..2^25 (the server's limit) are clamped to it.
func NewWindow(maxPixels int) *Window {
	maxPixels = min(max(maxPixels, 1), maxWindow)
	return &Window{
		max:    maxPixels,
		budget: budgetFactor * maxPixels,
	}
}

// Close releases all images and makes every later or waiting decode fail
// with ErrClosed.
func (w *Window) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	w.gen++
	w.images.clear()
	w.oldest, w.tailGap, w.used = 0, 0, 0
	w.free, w.freeBytes, w.inflaters = nil, 0, nil
	w.broadcast()
}

// Reset forgets all images for a new session, whose dictionary numbers
// images from 0 again (spice-gtk clears its window only on connect:
// spice-session.c spice_session_connect). A display channel RESET message
// must not reset the window: the server's dictionary outlives it, and later
// images still reference earlier ones. Decodes waiting for an image fail
// with ErrReset. Pixel buffers are kept for reuse.
func (w *Window) Reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gen++
	for i := range w.images.slots {
		if s := &w.images.slots[i]; s.used {
			w.recycle(s.e.pix)
		}
	}
	w.images.clear()
	w.oldest, w.tailGap, w.used = 0, 0, 0
	w.broadcast()
}

// broadcast wakes every decode waiting for an image.
func (w *Window) broadcast() {
	if w.wake != nil {
		close(w.wake)
		w.wake = nil
	}
}

// wait unlocks w until images change or ctx is done, then relocks it.
func (w *Window) wait(ctx context.Context) {
	if w.wake == nil {
		w.wake = make(chan struct{})
	}
	ch := w.wake
	w.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	}
	w.mu.Lock()
}

// reserve accounts for an image of n pixels about to be decoded and
// returns a buffer for it. When the budget is exceeded it first evicts the
// oldest images, whatever the gaps; a later reference to them is an error.
func (w *Window) reserve(n int) ([]byte, error) {
	c := cost(n)
	if w.used+c > w.budget {
		w.evict(w.used + c - w.budget)
	}
	if w.used+c > w.budget {
		return nil, FormatError("decodes in progress exceed the window")
	}
	w.used += c
	return w.buffer(n * 4), nil
}

// evict releases images in id order until need cost is freed, and an
// eighth of the budget more, so that a stream that keeps the window full
// pays for the sort only now and then.
func (w *Window) evict(need int) {
	need += w.budget / 8
	ids := w.evictIDs[:0]
	for i := range w.images.slots {
		if s := &w.images.slots[i]; s.used {
			ids = append(ids, s.id)
		}
	}
	// sort.Sort rather than slices.Sort: see idOrder.
	w.evictIDs = ids
	sort.Sort((*idOrder)(&w.evictIDs))
	for _, id := range ids {
		if need <= 0 {
			break
		}
		e, _ := w.images.remove(id)
		w.used -= cost(e.n)
		need -= cost(e.n)
		w.recycle(e.pix)
		w.oldest = id + 1
	}
	w.evictIDs = ids[:0]
	w.tailGap = max(w.tailGap, w.oldest)
	w.advance()
	w.broadcast() // waiters for evicted ids must fail now
}

// add stores a decoded (or failed, pix == nil) image whose cost was
// reserved, then releases what the window head allows. It reports false,
// dropping e, if id is already present.
func (w *Window) add(id uint64, e entry) bool {
	dup := w.images.get(id) != nil
	if dup || id < w.oldest {
		// A duplicate, or an image that arrived after its id was
		// released (evicted under pressure): nothing may reference it.
		w.used -= cost(e.n)
		w.recycle(e.pix)
		return !dup
	}
	w.images.put(id, e)
	w.advance()
	if w.tailGap > w.oldest {
		last := w.tailGap - 1
		w.releaseBefore(last - uint64(w.images.get(last).dist))
	}
	w.broadcast()
	return true
}

// fail records image id as failed, so that its id leaves no gap that
// would stop releases; references to it are errors.
func (w *Window) fail(id uint64, dist uint32) {
	if w.used+cost(0) > w.budget {
		w.evict(w.used + cost(0) - w.budget)
		if w.used+cost(0) > w.budget {
			return
		}
	}
	w.used += cost(0)
	w.add(id, entry{dist: dist})
}

// advance moves tailGap past the images that have arrived.
func (w *Window) advance() {
	for {
		if w.images.get(w.tailGap) == nil {
			return
		}
		w.tailGap++
	}
}

// releaseBefore drops the images with ids below limit. limit must not
// exceed tailGap, so every id visited is present.
func (w *Window) releaseBefore(limit uint64) {
	for ; w.oldest < limit; w.oldest++ {
		if e, ok := w.images.remove(w.oldest); ok {
			w.used -= cost(e.n)
			w.recycle(e.pix)
		}
	}
}

// buffer returns a byte slice of length size, reusing the smallest free
// buffer that fits.
func (w *Window) buffer(size int) []byte {
	best := -1
	for i, b := range w.free {
		if cap(b) >= size && (best < 0 || cap(b) < cap(w.free[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]byte, size)
	}
	b := w.free[best]
	w.freeBytes -= cap(b)
	last := len(w.free) - 1
	w.free[best] = w.free[last]
	w.free[last] = nil
	w.free = w.free[:last]
	return b[:size]
}

// recycle keeps b for reuse if the free list has room, preferring large
// buffers, which fit more requests.
func (w *Window) recycle(b []byte) {
	if cap(b) == 0 || w.closed {
		return
	}
	limit := w.max * 4
	if cap(b) > limit {
		return
	}
	for len(w.free) >= maxFree || w.freeBytes+cap(b) > limit {
		small := 0
		for i, f := range w.free {
			if cap(f) < cap(w.free[small]) {
				small = i
			}
		}
		if len(w.free) == 0 || cap(w.free[small]) >= cap(b) {
			return // b is the smallest: drop it instead
		}
		w.freeBytes -= cap(w.free[small])
		last := len(w.free) - 1
		w.free[small] = w.free[last]
		w.free[last] = nil
		w.free = w.free[:last]
	}
	w.free = append(w.free, b[:0])
	w.freeBytes += cap(b)
}

// idOrder sorts image ids for evict through package sort, whose one copy
// of its sorting code serves every element type in the wasm binary, where
// each type given to slices.Sort adds another copy (about 15 KB). evict
// sorts now and then, so the interface calls per comparison do not
// matter; the pointer receiver lets sort.Sort take w.evictIDs without
// allocating.
type idOrder []uint64

func (p *idOrder) Len() int           { return len(*p) }
func (p *idOrder) Less(i, j int) bool { return (*p)[i] < (*p)[j] }
func (p *idOrder) Swap(i, j int)      { (*p)[i], (*p)[j] = (*p)[j], (*p)[i] }

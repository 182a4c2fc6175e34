package glz

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/codec/lz"
	"spiceweb/wasm/raster"
)

// flat returns a w x 1 RGB32 image id of one colour (a literal and a run).
func flat(id uint64, dist uint32, w int, c byte) []byte {
	src := glzHeader(lz.TypeRGB32, w, 1, true, id, dist)
	src = append(src, 0, c, c, c)
	if w > 1 {
		src = appendMatch(src, w-1, 0, 0)
	}
	return src
}

// copyOf returns a w x 1 RGB32 image id whose pixels all come from image
// id-back.
func copyOf(id uint64, dist uint32, w, back int) []byte {
	return appendMatch(glzHeader(lz.TypeRGB32, w, 1, true, id, dist), w, 0, back)
}

func ids(w *Window) []uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var s []uint64
	for _, sl := range w.images.slots {
		if sl.used {
			s = append(s, sl.id)
		}
	}
	slices.Sort(s)
	return s
}

func mustDecode(t *testing.T, w *Window, src []byte) *raster.Image {
	t.Helper()
	var dst raster.Image
	if err := w.Decode(done, src, &dst); err != nil {
		t.Fatal(err)
	}
	return &dst
}

// TestWindowRelease follows spice-gtk's rule: release below the head of
// the newest image with no gap before it.
func TestWindowRelease(t *testing.T) {
	w := NewWindow(1000)
	mustDecode(t, w, flat(0, 0, 10, 1))
	mustDecode(t, w, flat(1, 1, 10, 2))
	mustDecode(t, w, flat(2, 1, 10, 3)) // head 1: image 0 goes
	if got := ids(w); !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("held %v, want [1 2]", got)
	}
	// Image 4 arrives before 3 (another channel): its head (2) must not
	// release image 2 yet, since 3 may still need it.
	mustDecode(t, w, flat(4, 2, 10, 5))
	if got := ids(w); !slices.Equal(got, []uint64{1, 2, 4}) {
		t.Fatalf("held %v, want [1 2 4]", got)
	}
	// 3 closes the gap; the newest contiguous image is 4, head 2.
	dst := mustDecode(t, w, copyOf(3, 2, 10, 2)) // copies image 1
	if dst.Pix[0] != 2 {
		t.Errorf("image 3 pixel = %d, want a copy of image 1's 2", dst.Pix[0])
	}
	if got := ids(w); !slices.Equal(got, []uint64{2, 3, 4}) {
		t.Fatalf("held %v, want [2 3 4]", got)
	}
	// A reference to a released image is an error, not a wait.
	var out raster.Image
	err := w.Decode(context.Background(), copyOf(5, 4, 10, 4), &out)
	if err == nil || !strings.Contains(err.Error(), "released image 1") {
		t.Fatalf("got %v, want a released-image error", err)
	}
	// Image 5 failed but keeps its place: 6 can still release.
	mustDecode(t, w, flat(6, 1, 10, 7))
	if got := ids(w); !slices.Equal(got, []uint64{5, 6}) {
		t.Fatalf("held %v, want [5 6]", got)
	}
	err = w.Decode(done, copyOf(7, 2, 10, 2), &out)
	if err == nil || !strings.Contains(err.Error(), "image 5, which failed") {
		t.Fatalf("got %v, want a failed-image error", err)
	}
}

func TestWindowErrors(t *testing.T) {
	w := NewWindow(1000)
	mustDecode(t, w, flat(0, 0, 10, 1))
	mustDecode(t, w, flat(1, 0, 10, 1))
	var out raster.Image
	for _, tc := range []struct {
		name string
		src  []byte
		want string
	}{
		{"duplicate", flat(1, 0, 10, 1), "image 1 decoded twice"},
		{"past the end of the image", appendMatch(glzHeader(lz.TypeRGB32, 5, 1, true, 2, 2), 5, 6, 1), "past the end of image 1"},
		{"rgba from rgb", cat(glzHeader(lz.TypeRGBA, 5, 1, true, 3, 3), appendMatch(nil, 5, 0, 2)), "image 3 references image 1 of another type"},
	} {
		err := w.Decode(done, tc.src, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestWindowWaits decodes an image whose reference is delivered later by
// another goroutine, as with two display channels.
func TestWindowWaits(t *testing.T) {
	w := NewWindow(1000)
	mustDecode(t, w, flat(0, 0, 10, 1))
	got := make(chan error)
	var dst raster.Image
	go func() { got <- w.Decode(context.Background(), copyOf(2, 1, 10, 1), &dst) }()
	select {
	case err := <-got:
		t.Fatalf("decode returned %v before image 1 arrived", err)
	case <-time.After(50 * time.Millisecond):
	}
	mustDecode(t, w, flat(1, 0, 10, 9))
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if dst.Pix[0] != 9 {
		t.Errorf("pixel %d, want a copy of image 1", dst.Pix[0])
	}
}

// TestWindowConcurrent runs two "channels" that each decode every other
// image of a chain in which each image copies its predecessor, so every
// decode waits for the other goroutine. Run with -race.
func TestWindowConcurrent(t *testing.T) {
	const n = 200
	w := NewWindow(1 << 12)
	srcs := [][]byte{flat(0, 0, 16, 42)}
	for id := uint64(1); id < n; id++ {
		srcs = append(srcs, copyOf(id, 1, 16, 1))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for ch := 0; ch < 2; ch++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst raster.Image
			for id := ch; id < n; id += 2 {
				if err := w.Decode(context.Background(), srcs[id], &dst); err != nil {
					errs <- err
					return
				}
				if dst.Pix[0] != 42 || dst.Pix[3] != 255 {
					errs <- errors.New("wrong pixels")
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := ids(w); len(got) > 2 {
		t.Errorf("window holds %v after the chain, want only the last images", got)
	}
}

// TestWindowWaitEnds checks each way a wait ends without the image.
func TestWindowWaitEnds(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(*Window, context.CancelFunc)
		want error
	}{
		{"cancel", func(_ *Window, cancel context.CancelFunc) { cancel() }, context.Canceled},
		{"close", func(w *Window, _ context.CancelFunc) { w.Close() }, ErrClosed},
		{"reset", func(w *Window, _ context.CancelFunc) { w.Reset() }, ErrReset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWindow(1000)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			got := make(chan error)
			go func() {
				var dst raster.Image
				got <- w.Decode(ctx, copyOf(1, 1, 4, 1), &dst)
			}()
			time.Sleep(20 * time.Millisecond)
			tc.end(w, cancel)
			select {
			case err := <-got:
				if !errors.Is(err, tc.want) {
					t.Errorf("got %v, want %v", err, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("decode still waiting")
			}
		})
	}
}

func TestWindowClosed(t *testing.T) {
	w := NewWindow(1000)
	w.Close()
	var dst raster.Image
	if err := w.Decode(done, flat(0, 0, 4, 1), &dst); !errors.Is(err, ErrClosed) {
		t.Errorf("Decode after Close: %v", err)
	}
	if err := w.DecodeZlib(done, zlibOf(flat(0, 0, 4, 1)), len(flat(0, 0, 4, 1)), &dst); !errors.Is(err, ErrClosed) {
		t.Errorf("DecodeZlib after Close: %v", err)
	}
}

func TestWindowReset(t *testing.T) {
	w := NewWindow(1000)
	mustDecode(t, w, flat(0, 0, 10, 1))
	mustDecode(t, w, flat(1, 0, 10, 1))
	w.Reset()
	if got := ids(w); len(got) != 0 {
		t.Fatalf("held %v after Reset", got)
	}
	mustDecode(t, w, flat(0, 0, 10, 1)) // ids start again
}

// TestWindowBudget feeds images whose ids never become contiguous, as a
// hostile or broken server might: memory stays bounded, the oldest images
// are evicted, and references to them fail instead of waiting.
func TestWindowBudget(t *testing.T) {
	const size = 1000
	w := NewWindow(size)
	for i := uint64(0); i < 100; i++ {
		mustDecode(t, w, flat(2*i+1, 0, 400, byte(i))) // ids 1, 3, 5...: gap at 0
		if w.used > budgetFactor*size {
			t.Fatalf("window uses %d pixels, budget %d", w.used, budgetFactor*size)
		}
	}
	if w.images.n > budgetFactor*size/400 {
		t.Errorf("%d images held", w.images.n)
	}
	var dst raster.Image
	err := w.Decode(context.Background(), copyOf(1000, 999, 400, 999), &dst)
	if err == nil || !strings.Contains(err.Error(), "released image 1") {
		t.Errorf("reference to evicted image: %v", err)
	}
	// Ids far apart cost at least entryOverhead each, failed ones too.
	for i := uint64(0); i < 1000; i++ {
		w.Decode(done, flat(1<<40+i*1<<30, 0, 1, 0), &dst)
		w.Decode(done, []byte("junk"), &dst)
	}
	if w.used > budgetFactor*size || w.images.n > budgetFactor*size/entryOverhead {
		t.Errorf("window uses %d pixels in %d images", w.used, w.images.n)
	}
}

func TestNewWindowClamps(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{-5, 1}, {0, 1}, {100, 100}, {1 << 30, maxWindow}} {
		if got := NewWindow(tc.in).max; got != tc.want {
			t.Errorf("NewWindow(%d).max = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestWindowBuffers checks the free list: reuse of the smallest buffer
// that fits, and its bounds.
func TestWindowBuffers(t *testing.T) {
	w := NewWindow(100) // free list holds at most 400 bytes
	for _, c := range []int{50, 10, 200, 30, 150, 400, 500} {
		w.recycle(make([]byte, c))
		total := 0
		for _, b := range w.free {
			total += cap(b)
		}
		if total != w.freeBytes || total > 400 || len(w.free) > maxFree {
			t.Fatalf("after recycling %d: %d buffers, %d bytes (counted %d)", c, len(w.free), total, w.freeBytes)
		}
	}
	// 500 was too big to keep; 400 pushed out the rest.
	if len(w.free) != 1 || cap(w.free[0]) != 400 {
		t.Fatalf("free list %d buffers", len(w.free))
	}
	w.free, w.freeBytes = nil, 0
	for _, c := range []int{40, 10, 30, 20} {
		w.recycle(make([]byte, c))
	}
	if b := w.buffer(25); cap(b) != 30 || len(b) != 25 {
		t.Errorf("buffer(25) reused cap %d, want the 30-byte one", cap(b))
	}
	if b := w.buffer(41); cap(b) != 41 {
		t.Errorf("buffer(41) = cap %d, want a new one", cap(b))
	}
	if w.freeBytes != 70 || len(w.free) != 3 {
		t.Errorf("%d free buffers of %d bytes", len(w.free), w.freeBytes)
	}
	for i := 0; i < 2*maxFree; i++ {
		w.recycle(make([]byte, 1+i%3))
	}
	if len(w.free) > maxFree {
		t.Errorf("%d free buffers", len(w.free))
	}
}

// TestWindowLateImage decodes an image whose id was evicted before it
// arrived: it is decoded but not kept.
func TestWindowLateImage(t *testing.T) {
	w := NewWindow(1000)
	for i := uint64(1); i < 20; i++ {
		mustDecode(t, w, flat(i, 0, 900, byte(i)))
	}
	dst := mustDecode(t, w, flat(0, 0, 10, 77))
	if dst.Pix[0] != 77 {
		t.Error("late image not decoded")
	}
	if slices.Contains(ids(w), 0) {
		t.Error("late image kept")
	}
}

// TestWindowReservations: decodes waiting on several channels hold their
// reservations; one more than the budget allows fails at once.
func TestWindowReservations(t *testing.T) {
	w := NewWindow(100)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := uint64(1); i <= budgetFactor; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst raster.Image
			w.Decode(ctx, copyOf(i, uint32(i), 100, int(i)), &dst) // waits for image 0
		}()
	}
	for {
		w.mu.Lock()
		used := w.used
		w.mu.Unlock()
		if used == budgetFactor*100 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	var dst raster.Image
	err := w.Decode(ctx, flat(10, 0, 100, 1), &dst)
	if err == nil || !strings.Contains(err.Error(), "decodes in progress exceed the window") {
		t.Errorf("got %v", err)
	}
	cancel()
	wg.Wait()
	if w.used > budgetFactor*100 {
		t.Errorf("used %d after the waits ended", w.used)
	}
}

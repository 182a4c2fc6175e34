package session

import (
	"context"
	"errors"
	"sync"
	"time"

	"spiceweb/wasm/codec/glz"
	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
)

// Sizes announced in DISPLAY_INIT. The server models the client's caches
// with them and never exceeds them, so they bound memory. spice-gtk uses
// 80 MiB of pixmap cache and a 12-64 MiB GLZ window; a browser tab gets
// less, still enough for a desktop.
const (
	pixmapCacheID     = 1
	pixmapCachePixels = 8 << 20 // 32 MiB of RGBA
	glzDictionaryID   = 1
	glzWindowPixels   = 4 << 20 // 16 MiB of RGBA
)

// cacheWait bounds how long a FROM_CACHE miss waits for another display
// channel to add the image before the stream is declared broken.
const cacheWait = 10 * time.Second

// caches are the session-wide pixmap cache and GLZ window, shared by all
// display channels (spice-gtk spice_session_get_caches; the server keeps
// one per client and cache id).
type caches struct {
	mu     sync.Mutex
	images map[uint64]cachedImage
	pixels int           // total pixels held, checked against the announced size
	wake   chan struct{} // closed when an image is added while someone waits
	closed bool

	glz *glz.Window
}

type cachedImage struct {
	img   *raster.Image
	lossy bool
}

func newCaches() *caches {
	return &caches{images: map[uint64]cachedImage{}, glz: glz.NewWindow(glzWindowPixels)}
}

func (c *caches) close() {
	c.mu.Lock()
	c.closed = true
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
	c.mu.Unlock()
	c.glz.Close()
}

// put stores img under id; the cache takes ownership of img.
func (c *caches) put(id uint64, img *raster.Image, lossy bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.images[id]; ok {
		c.pixels -= old.img.W * old.img.H
	}
	n := img.W * img.H
	// The server evicts by its model of our cache; allow slack for its
	// accounting of images we store at 4 bytes per pixel, but refuse a
	// stream that would grow without bound.
	if c.pixels+n > 2*pixmapCachePixels {
		return errors.New("pixmap cache: server exceeded the announced cache size (" + errfmt.Int(c.pixels) + " pixels held)")
	}
	c.images[id] = cachedImage{img: img, lossy: lossy}
	c.pixels += n
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
	return nil
}

// get returns the cached image id, waiting a bounded time for it: another
// display channel may not have decoded it yet. lossless requests fail on a
// lossy entry (FROM_CACHE_LOSSLESS).
func (c *caches) get(ctx context.Context, id uint64, lossless bool) (*raster.Image, error) {
	// The timer only when the image is not there yet: nearly every lookup
	// finds it, and a timer per lookup showed in the allocation profile of
	// a scrolling terminal (11% of the bytes allocated).
	var deadline <-chan time.Time
	for {
		c.mu.Lock()
		e, ok := c.images[id]
		if ok || c.closed {
			c.mu.Unlock()
			if !ok {
				return nil, errors.New("pixmap cache closed")
			}
			if lossless && e.lossy {
				return nil, errors.New("pixmap cache: image " + errfmt.Hex(id, 0) + " is only cached lossy")
			}
			return e.img, nil
		}
		if c.wake == nil {
			c.wake = make(chan struct{})
		}
		w := c.wake
		c.mu.Unlock()
		if deadline == nil {
			t := time.NewTimer(cacheWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-w:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline:
			return nil, errors.New("pixmap cache: image " + errfmt.Hex(id, 0) + " never arrived")
		}
	}
}

// isLossy reports whether id is cached as lossy.
func (c *caches) isLossy(id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.images[id].lossy
}

func (c *caches) remove(id uint64) {
	c.mu.Lock()
	if e, ok := c.images[id]; ok {
		c.pixels -= e.img.W * e.img.H
		delete(c.images, id)
	}
	c.mu.Unlock()
}

func (c *caches) clearImages() {
	c.mu.Lock()
	clear(c.images)
	c.pixels = 0
	c.mu.Unlock()
}

//go:build linux

package e2e

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	"spiceweb/wasm/raster"
)

// ImageSource produces an image on demand: a canvas read, a framebuffer
// grab, or a fixed image (see Fixed).
type ImageSource func(ctx context.Context) (*raster.Image, error)

// Fixed is an ImageSource that always returns img.
func Fixed(img *raster.Image) ImageSource {
	return func(context.Context) (*raster.Image, error) { return img, nil }
}

// CanvasSource reads the canvas matched by selector in b (either browser).
func CanvasSource(b Page, selector string) ImageSource {
	return func(ctx context.Context) (*raster.Image, error) { return b.CanvasErr(ctx, selector) }
}

// FramebufferSource grabs the framebuffer of X display.
func FramebufferSource(display string) ImageSource {
	return func(ctx context.Context) (*raster.Image, error) { return FramebufferErr(ctx, display) }
}

// WaitImagesMatch polls got and want until they are equal outside ignore,
// for a client that is still catching up with the server. On timeout it
// fails t like CompareImages, with the last pair, and returns false. Both
// sources are read on every round, so a server that is still drawing is
// also caught up with.
func WaitImagesMatch(t testing.TB, name string, timeout time.Duration, got, want ImageSource, ignore ...image.Rectangle) bool {
	t.Helper()
	var g, w *raster.Image
	err := waitUntil(t.Context(), timeout, name+" to match", nil, func(ctx context.Context) error {
		var err error
		if w, err = want(ctx); err != nil {
			return err
		}
		if g, err = got(ctx); err != nil {
			return err
		}
		if d := DiffImages(g, w, ignore); !d.Equal() {
			return errors.New(d.String())
		}
		return nil
	})
	if err == nil {
		return true
	}
	if g != nil && w != nil {
		saveDiffArtifacts(t, name, g, w, ignore)
	}
	t.Errorf("e2e: %v", err)
	return false
}

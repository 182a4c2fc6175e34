//go:build linux

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"spiceweb/wasm/raster"
)

// FramebufferErr grabs the whole screen of X display (":N") with
// `xwd -root` and decodes it. This is the oracle: for lossless content the
// client canvas must equal it pixel for pixel. Alpha is 255.
func FramebufferErr(ctx context.Context, display string) (*raster.Image, error) {
	out, err := runCmd(ctx, nil, ToolXwd.Path, "-root", "-silent", "-display", display)
	if err != nil {
		return nil, fmt.Errorf("e2e: framebuffer: %w", err)
	}
	img := &raster.Image{}
	if err := DecodeXWD(out, img); err != nil {
		return nil, fmt.Errorf("e2e: framebuffer of %s: %w", display, err)
	}
	return img, nil
}

// Framebuffer is FramebufferErr that fails the test on error.
func Framebuffer(t testing.TB, display string) *raster.Image {
	t.Helper()
	Require(t, ToolXwd)
	img, err := FramebufferErr(t.Context(), display)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// WaitFramebuffer grabs the framebuffer until check accepts it, for content
// an X client draws some time after its window maps. It fails the test with
// check's last error after timeout, saving the last grab as an artifact.
func WaitFramebuffer(t testing.TB, display string, timeout time.Duration, check func(*raster.Image) error) *raster.Image {
	t.Helper()
	Require(t, ToolXwd)
	var img *raster.Image
	err := waitUntil(t.Context(), timeout, "framebuffer of "+display, nil, func(ctx context.Context) error {
		var err error
		if img, err = FramebufferErr(ctx, display); err != nil {
			return err
		}
		return check(img)
	})
	if err != nil {
		if img != nil {
			saveArtifactPNG(t, "framebuffer.png", img)
		}
		t.Fatalf("e2e: %v", err)
	}
	return img
}

package session

import (
	"context"

	"spiceweb/wasm/spice"
)

// STROKE comes only from the legacy Windows XPDM driver. It is not drawn
// yet, but its brush image is still resolved, so that the pixmap cache
// and the GLZ window stay in step with the server.

func (d *display) unsupportedDraw(what string) {
	if !d.warned[what] {
		d.warned[what] = true
		d.c.log("warn", "display: "+what+" drawing is not supported; parts of the screen may be wrong")
	}
}

func (d *display) touchBrush(ctx context.Context, body []byte, b *spice.Brush) error {
	if b.Type != spice.BrushTypePattern {
		return nil
	}
	_, err := d.brush(ctx, body, b)
	return err
}

func (d *display) drawStroke(ctx context.Context, body []byte) error {
	var m spice.MsgDisplayDrawStroke
	if err := m.Decode(body); err != nil {
		return err
	}
	d.unsupportedDraw("STROKE")
	return d.touchBrush(ctx, body, &m.Brush)
}

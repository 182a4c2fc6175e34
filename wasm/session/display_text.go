package session

import (
	"context"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// drawText draws DRAW_TEXT, which the Windows XPDM driver sends for
// GDI text (sw_canvas.c canvas_draw_text). Both brushes are resolved
// first, so that their images reach the caches even when nothing is
// drawn.
func (d *display) drawText(ctx context.Context, body []byte) error {
	m := &d.ops.text
	if err := m.Decode(body); err != nil {
		return err
	}
	s, err := d.surface(m.Base.SurfaceID)
	if err != nil {
		return err
	}
	t := raster.Text{
		BPP:      m.String.BitsPerPixel(),
		BackArea: rect(m.BackArea),
		ForeNone: m.ForeBrush.Type == spice.BrushTypeNone,
		ForePut:  m.ForeMode == spice.RopdOpPut,
	}
	switch m.ForeBrush.Type {
	case spice.BrushTypeSolid:
		t.Fore.Color = m.ForeBrush.Color
	case spice.BrushTypePattern:
		// The fore pattern is a pixman source, read in its own format
		// like a composite source.
		p, err := d.picture(ctx, body, m.ForeBrush.Pattern, s, &d.ops.forePattern, &d.ops.maskCopy, false)
		if err != nil {
			return errfmt.Wrap("text fore brush", err)
		}
		t.Fore = raster.Brush{Pattern: p.Image, Pos: raster.Point{X: int(m.ForeBrush.Pos.X), Y: int(m.ForeBrush.Pos.Y)}}
		t.ForeFormat = p.Format
	}
	if t.Back, err = d.brush(ctx, body, &m.BackBrush); err != nil {
		return errfmt.Wrap("text back brush", err)
	}
	gs := d.ops.glyphs[:0]
	for _, g := range m.String.Glyphs {
		gs = append(gs, raster.Glyph{
			X: int(g.RenderPos.X) + int(g.GlyphOrigin.X), Y: int(g.RenderPos.Y) + int(g.GlyphOrigin.Y),
			W: int(g.Width), H: int(g.Height), Data: g.Data})
	}
	d.ops.glyphs = gs
	t.Glyphs = gs
	a, err := d.area(ctx, body, &m.Base, nil)
	if err != nil {
		return err
	}
	if t.BPP == 0 && m.String.Length > 0 {
		// as spice-common: the back area is filled, the glyphs are not
		d.unsupportedDraw("TEXT with vector glyphs")
	}
	return s.DrawText(a, &t)
}

package session

import (
	"context"
	"errors"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/raster"
	"spiceweb/wasm/spice"
)

// unsupportedDraw warns, once per kind, of a valid draw this client does
// not draw the way the server's renderer would.
func (d *display) unsupportedDraw(what string) {
	if !d.warned[what] {
		d.warned[what] = true
		d.c.log("warn", "display: "+what+" drawing is not supported; parts of the screen may be wrong")
	}
}

// drawStroke draws DRAW_STROKE, which the Windows XPDM driver sends for
// GDI lines and curves (canvas_base.c canvas_draw_stroke). The brush is
// resolved first, so that its image reaches the caches even when nothing
// is drawn.
func (d *display) drawStroke(ctx context.Context, body []byte) error {
	m := &d.ops.stroke
	if err := m.Decode(body); err != nil {
		return err
	}
	s, err := d.surface(m.Base.SurfaceID)
	if err != nil {
		return err
	}
	b, err := d.brush(ctx, body, &m.Brush)
	if err != nil {
		return errfmt.Wrap("stroke brush", err)
	}
	st := &d.ops.rstroke
	*st = raster.Stroke{Path: st.Path[:0], Brush: b,
		Rop: raster.RopFromDescriptor(m.ForeMode, raster.RopInputBrush, raster.RopInputDest)}
	if m.Attr.Flags&spice.LineFlagStyled != 0 {
		st.Style = append(d.ops.style[:0], m.Attr.Style...)
		d.ops.style = st.Style
		st.StartWithGap = m.Attr.Flags&spice.LineFlagStartWithGap != 0
	}
	pts := d.ops.points[:0]
	for _, seg := range m.Path.Segments {
		start := len(pts)
		for _, p := range seg.Points {
			pts = append(pts, raster.PathPoint{X: p.X, Y: p.Y})
		}
		st.Path = append(st.Path, raster.PathSegment{
			Begin: seg.Flags&spice.PathBegin != 0, End: seg.Flags&spice.PathEnd != 0,
			Close: seg.Flags&spice.PathClose != 0, Bezier: seg.Flags&spice.PathBezier != 0,
			Points: pts[start:len(pts):len(pts)]})
	}
	d.ops.points = pts
	a, err := d.area(ctx, body, &m.Base, nil)
	if err != nil {
		return err
	}
	err = s.DrawStroke(a, st)
	if errors.Is(err, raster.ErrStrokeTooLarge) || errors.Is(err, raster.ErrStrokeStyle) || errors.Is(err, raster.ErrStrokeRange) {
		// a valid message beyond what this client draws: the rest of
		// the screen goes on
		d.unsupportedDraw("STROKE (" + err.Error() + ")")
		return nil
	}
	return err
}

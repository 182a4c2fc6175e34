package raster

import "errors"

type dashState struct{}

func (sk *strokeScratch) setDash(style []int32, gap bool) {}

func (sk *strokeScratch) dashLine(pts []Point) error { return errors.New("raster: dashed strokes: work in progress") }

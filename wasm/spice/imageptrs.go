package spice

// ImagePointers lists the image pointers of a draw message: the offsets
// in its body of the images the client must resolve (ParseImage), 0 for
// none. Other messages have none.
func ImagePointers(m ServerMessage) []uint32 {
	switch m := m.(type) {
	case *MsgDisplayDrawFill:
		return []uint32{m.Brush.Pattern, m.Mask.Bitmap}
	case *MsgDisplayDrawOpaque:
		return []uint32{m.SrcBitmap, m.Brush.Pattern, m.Mask.Bitmap}
	case *MsgDisplayDrawCopy:
		return []uint32{m.SrcBitmap, m.Mask.Bitmap}
	case *MsgDisplayDrawBlend:
		return []uint32{m.SrcBitmap, m.Mask.Bitmap}
	case *MsgDisplayDrawBlackness:
		return []uint32{m.Mask.Bitmap}
	case *MsgDisplayDrawWhiteness:
		return []uint32{m.Mask.Bitmap}
	case *MsgDisplayDrawInvers:
		return []uint32{m.Mask.Bitmap}
	case *MsgDisplayDrawRop3:
		return []uint32{m.SrcBitmap, m.Brush.Pattern, m.Mask.Bitmap}
	case *MsgDisplayDrawStroke:
		return []uint32{m.Brush.Pattern}
	case *MsgDisplayDrawText:
		return []uint32{m.ForeBrush.Pattern, m.BackBrush.Pattern}
	case *MsgDisplayDrawTransparent:
		return []uint32{m.SrcBitmap}
	case *MsgDisplayDrawAlphaBlend:
		return []uint32{m.SrcBitmap}
	case *MsgDisplayDrawComposite:
		return []uint32{m.SrcBitmap, m.MaskBitmap}
	}
	return nil
}

package session

import (
	"context"
	"errors"

	"spiceweb/wasm/internal/errfmt"
	"spiceweb/wasm/spice"
)

// cursorCacheBytes bounds the cursor cache (its shapes' RGBA bytes); the
// server invalidates long before real cursors add up to this.
const cursorCacheBytes = 16 << 20

// cursorChannel is the cursor channel (channel-cursor.c): shapes with
// their cache, visibility and, in server mouse mode, the position.
type cursorChannel struct {
	c       *Client
	ch      uint8 // channel id: the display channel of the same id is where it points
	cache   map[uint64]*CursorShape
	bytes   int // RGBA bytes in cache
	visible bool
	x, y    int
}

func (c *Client) setupCursor(ch *channel) (handler, error) {
	cc := &cursorChannel{c: c, ch: ch.id.ID, cache: map[uint64]*CursorShape{}}
	return cc.handle, nil
}

func (cc *cursorChannel) handle(ctx context.Context, t spice.MsgType, body []byte) error {
	sink := cc.c.cfg.Sink
	switch t {
	case spice.MsgTypeCursorInit:
		var m spice.MsgCursorInit
		if err := m.Decode(body); err != nil {
			return err
		}
		cc.clear()
		return cc.set(m.Position, m.Visible, &m.Cursor)
	case spice.MsgTypeCursorSet:
		var m spice.MsgCursorSet
		if err := m.Decode(body); err != nil {
			return err
		}
		return cc.set(m.Position, m.Visible, &m.Cursor)
	case spice.MsgTypeCursorMove:
		var m spice.MsgCursorMove
		if err := m.Decode(body); err != nil {
			return err
		}
		cc.x, cc.y = int(m.Position.X), int(m.Position.Y)
		cc.position(cc.visible)
	case spice.MsgTypeCursorHide:
		cc.visible = false
		sink.Cursor(nil)
		cc.position(false)
	case spice.MsgTypeCursorReset:
		cc.clear()
		cc.visible = false
		sink.Cursor(nil)
	case spice.MsgTypeCursorInvalOne:
		var m spice.MsgCursorInvalOne
		if err := m.Decode(body); err != nil {
			return err
		}
		cc.drop(m.ID)
	case spice.MsgTypeCursorInvalAll:
		cc.clear()
	case spice.MsgTypeCursorTrail:
	default:
		return errUnknownMessage
	}
	return nil
}

// set applies a cursor from INIT or SET.
func (cc *cursorChannel) set(pos spice.Point16, visible bool, cur *spice.Cursor) error {
	sink := cc.c.cfg.Sink
	cc.x, cc.y = int(pos.X), int(pos.Y)
	var shape *CursorShape
	switch {
	case cur.Flags&spice.CursorFlagNone != 0:
		visible = false
	case cur.Flags&spice.CursorFlagFromCache != 0:
		shape = cc.cache[cur.Header.Unique]
		if shape == nil {
			return errors.New("cursor " + errfmt.Hex(cur.Header.Unique, 0) + " is not in the cache")
		}
	default:
		rgba, err := cur.RGBA()
		if err != nil {
			// An odd shape type is not worth ending the session over:
			// keep the current pointer and say why.
			cc.c.log("warn", "cursor: "+err.Error())
			return nil
		}
		hx, hy := cur.HotSpot()
		shape = &CursorShape{RGBA: rgba, Width: int(cur.Header.Width), Height: int(cur.Header.Height), HotX: hx, HotY: hy}
		if cur.Flags&spice.CursorFlagCacheMe != 0 {
			cc.drop(cur.Header.Unique)
			if cc.bytes+len(rgba) > cursorCacheBytes {
				return errors.New("cursor cache overflow: the server cached more than " + errfmt.Int(cursorCacheBytes>>20) + " MiB of shapes")
			}
			cc.cache[cur.Header.Unique] = shape
			cc.bytes += len(rgba)
		}
	}
	cc.visible = visible
	if visible && shape != nil {
		sink.Cursor(shape)
	} else {
		sink.Cursor(nil)
	}
	cc.position(visible)
	return nil
}

func (cc *cursorChannel) drop(id uint64) {
	if s := cc.cache[id]; s != nil {
		cc.bytes -= len(s.RGBA)
		delete(cc.cache, id)
	}
}

func (cc *cursorChannel) clear() {
	clear(cc.cache)
	cc.bytes = 0
}

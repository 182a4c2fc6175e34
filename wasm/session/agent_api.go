package session

import "spiceweb/wasm/input"

// agentFor returns the session's agent, or nil before the main channel
// has linked.
func (c *Client) agentFor() *agent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.agent
}

// MaxTypeText bounds what TypeText types in one call.
const MaxTypeText = 4096

// TypeText types text as key presses on a US keyboard, for guests without
// an agent (firmware, installers, login screens). It stops at the first
// character a US keyboard cannot type, and after MaxTypeText characters,
// and returns how many it typed. "\n" is Enter and "\t" Tab; "\r\n" is
// typed as one Enter.
func (c *Client) TypeText(text string) int {
	in := c.input()
	if in == nil {
		return 0
	}
	shift, _ := input.Scancode("ShiftLeft")
	in.mu.Lock()
	defer in.mu.Unlock()
	// Keys the page holds (a Ctrl from the paste shortcut) would change
	// what the guest makes of the characters.
	for sc := range in.pressed {
		in.key(sc, false)
	}
	n := 0
	var prev rune
	for _, r := range text {
		if n == MaxTypeText {
			break
		}
		if r == '\n' && prev == '\r' {
			n++ // counted with the \r it follows, typed as one Enter
			prev = r
			continue
		}
		k, ok := input.TypeUS(r)
		if r == '\r' {
			k, ok = input.TypeUS('\n')
		}
		if !ok {
			break
		}
		sc, _ := input.Scancode(k.Code)
		if k.Shift {
			in.key(shift, true)
		}
		in.key(sc, true)
		in.key(sc, false)
		if k.Shift {
			in.key(shift, false)
		}
		n++
		prev = r
	}
	return n
}

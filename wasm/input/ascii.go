package input

// USKey is one character typed on a US keyboard: the KeyboardEvent.code
// of its key and whether Shift is held.
type USKey struct {
	Code  string
	Shift bool
}

// usRows lists, per key, the character without and with Shift (US layout).
var usRows = []struct {
	code           string
	plain, shifted byte
}{
	{"Backquote", '`', '~'}, {"Digit1", '1', '!'}, {"Digit2", '2', '@'}, {"Digit3", '3', '#'},
	{"Digit4", '4', '$'}, {"Digit5", '5', '%'}, {"Digit6", '6', '^'}, {"Digit7", '7', '&'},
	{"Digit8", '8', '*'}, {"Digit9", '9', '('}, {"Digit0", '0', ')'}, {"Minus", '-', '_'},
	{"Equal", '=', '+'}, {"BracketLeft", '[', '{'}, {"BracketRight", ']', '}'},
	{"Backslash", '\\', '|'}, {"Semicolon", ';', ':'}, {"Quote", '\'', '"'},
	{"Comma", ',', '<'}, {"Period", '.', '>'}, {"Slash", '/', '?'},
}

// usASCII maps the printable ASCII characters, tab and newline to keys,
// built once from usRows and the letters.
var usASCII = func() (m [128]USKey) {
	for c := byte('a'); c <= 'z'; c++ {
		code := "Key" + string(rune(c-'a'+'A'))
		m[c] = USKey{code, false}
		m[c-'a'+'A'] = USKey{code, true}
	}
	for _, r := range usRows {
		m[r.plain] = USKey{r.code, false}
		m[r.shifted] = USKey{r.code, true}
	}
	m[' '] = USKey{"Space", false}
	m['\t'] = USKey{"Tab", false}
	m['\n'] = USKey{"Enter", false}
	return m
}()

// TypeUS returns the key that types r on a US keyboard. ok is false for
// characters a US keyboard has no key for (anything outside printable
// ASCII, tab and newline).
func TypeUS(r rune) (k USKey, ok bool) {
	if r < 0 || r >= 128 || usASCII[r].Code == "" {
		return USKey{}, false
	}
	return usASCII[r], true
}

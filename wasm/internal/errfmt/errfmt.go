// Package errfmt builds the texts of the client's errors without package
// fmt. fmt brings reflect, its own verb machinery and internal/fmtsort into
// the wasm binary (about 200 KB of code before compression) for what are a
// few numbers in error messages; strconv and string concatenation do the
// same for the verbs the client uses.
//
// Every function here produces exactly what the fmt verb it names would,
// so error texts did not change when fmt went; the tests compare them with
// fmt.
package errfmt

import "strconv"

// integer is every type fmt's %d and %x accept as a plain integer.
type integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Int formats v in decimal, as fmt's %d does (a String method is ignored,
// as %d ignores it).
func Int[T integer](v T) string {
	if v < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(uint64(v), 10)
}

// Hex formats v as lower-case hexadecimal with a 0x prefix, padded with
// zeros as fmt's %#0<minDigits>x pads it: Hex(v, 0) is %#x, Hex(v, 8) is
// %#08x (at least 8 digits).
func Hex[T integer](v T, minDigits int) string {
	var digits string
	neg := v < 0
	if neg {
		digits = strconv.FormatUint(uint64(-int64(v)), 16)
		minDigits-- // fmt's width counts the sign (but not the 0x)
	} else {
		digits = strconv.FormatUint(uint64(v), 16)
	}
	for len(digits) < minDigits {
		digits = "0" + digits
	}
	if neg {
		return "-0x" + digits
	}
	return "0x" + digits
}

// Wrap returns an error whose text is prefix, ": " and err's text, and
// that unwraps to err, so errors.Is and errors.As see through it: what
// fmt.Errorf(prefix+": %w", err) returns, nil err included.
func Wrap(prefix string, err error) error {
	if err == nil {
		return &wrapError{msg: prefix + ": %!w(<nil>)"}
	}
	return &wrapError{msg: prefix + ": " + err.Error(), err: err}
}

type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// Value formats a recovered panic value, or any value an error text
// includes with %v, for the kinds that reach the client: an error gives
// its text, a string itself, an integer or bool its %v form, nil
// "<nil>". Anything else gives "(a value of another type)".
//
// It deliberately does not call String methods: one dynamic call of
// String() string makes the linker keep the String method of every type
// stored in an interface (time.Time's pulls in all of time's formatting),
// which is much of what leaving fmt saves.
func Value(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case error:
		return v.Error()
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int:
		return Int(v)
	case int32:
		return Int(v)
	case int64:
		return Int(v)
	case uint:
		return Int(v)
	case uint32:
		return Int(v)
	case uint64:
		return Int(v)
	case uintptr:
		return Int(v)
	}
	return "(a value of another type)"
}

package errfmt

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"testing"
)

type named uint8

func (named) String() string { return "named" }

func TestIntMatchesFmt(t *testing.T) {
	check := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	for _, v := range []int64{0, 1, -1, 9, 10, 255, -256, math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		check(Int(v), fmt.Sprintf("%d", v))
		check(Int(int(v)), fmt.Sprintf("%d", int(v)))
		check(Int(int32(v)), fmt.Sprintf("%d", int32(v)))
		check(Int(int8(v)), fmt.Sprintf("%d", int8(v)))
	}
	for _, v := range []uint64{0, 1, 255, 256, math.MaxUint32, math.MaxUint64} {
		check(Int(v), fmt.Sprintf("%d", v))
		check(Int(uint32(v)), fmt.Sprintf("%d", uint32(v)))
		check(Int(uint16(v)), fmt.Sprintf("%d", uint16(v)))
		check(Int(named(v)), fmt.Sprintf("%d", named(v)))
	}
}

func TestHexMatchesFmt(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 0xabc, -0xabc, 0x1234, 0xdeadbeef, math.MaxInt64, math.MinInt64} {
		for _, digits := range []int{0, 1, 4, 8, 16, 20} {
			if got, want := Hex(v, digits), fmt.Sprintf("%#0*x", digits, v); digits > 0 && got != want {
				t.Errorf("Hex(%d, %d) = %q, fmt %%#0%dx gives %q", v, digits, got, digits, want)
			}
			if got, want := Hex(v, 0), fmt.Sprintf("%#x", v); got != want {
				t.Errorf("Hex(%d, 0) = %q, fmt %%#x gives %q", v, got, want)
			}
		}
	}
	for _, v := range []uint64{0, 0x20205a4c, math.MaxUint32, math.MaxUint64} {
		if got, want := Hex(uint32(v), 8), fmt.Sprintf("%#08x", uint32(v)); got != want {
			t.Errorf("Hex(uint32 %d, 8) = %q, fmt gives %q", v, got, want)
		}
		if got, want := Hex(v, 0), fmt.Sprintf("%#x", v); got != want {
			t.Errorf("Hex(%d, 0) = %q, fmt gives %q", v, got, want)
		}
	}
}

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprint("code ", e.code) }

func TestWrapMatchesErrorf(t *testing.T) {
	for _, inner := range []error{io.EOF, &codeError{7}, fmt.Errorf("mid: %w", os.ErrNotExist)} {
		got := Wrap("lz4: 3x4", inner)
		want := fmt.Errorf("lz4: 3x4: %w", inner)
		if got.Error() != want.Error() {
			t.Errorf("Wrap text %q, fmt.Errorf text %q", got, want)
		}
		if !errors.Is(got, inner) || errors.Unwrap(got) != inner {
			t.Errorf("Wrap(%v) does not unwrap to it", inner)
		}
	}
	var ce *codeError
	if err := Wrap("outer", Wrap("inner", &codeError{3})); !errors.As(err, &ce) || ce.code != 3 {
		t.Errorf("errors.As through two Wraps found %v", ce)
	}
	if !errors.Is(Wrap("x", fmt.Errorf("mid: %w", os.ErrNotExist)), os.ErrNotExist) {
		t.Error("errors.Is does not see through Wrap and a fmt wrapper")
	}
	if got, want := Wrap("p", nil).Error(), fmt.Errorf("p: %w", nil).Error(); got != want {
		t.Errorf("Wrap(nil) text %q, fmt.Errorf gives %q", got, want)
	}
	if errors.Unwrap(Wrap("p", nil)) != nil {
		t.Error("Wrap(nil) unwraps to something")
	}
}

type stringer struct{}

func (stringer) String() string { return "stringer" }

func TestValueMatchesFmtForKnownKinds(t *testing.T) {
	for _, v := range []any{nil, io.EOF, &codeError{9}, "text", "", true, false, 42, -7, int32(-3), int64(1) << 40, uint(3), uint32(7), uint64(1) << 63, uintptr(12)} {
		if got, want := Value(v), fmt.Sprintf("%v", v); got != want {
			t.Errorf("Value(%#v) = %q, fmt %%v gives %q", v, got, want)
		}
	}
	// Other kinds, Stringers included, get a fixed text instead of
	// dragging String methods and reflection into the binary.
	for _, v := range []any{stringer{}, 1.5, []int{1}, struct{}{}} {
		if got := Value(v); got != "(a value of another type)" {
			t.Errorf("Value(%#v) = %q, want the fixed text", v, got)
		}
	}
}

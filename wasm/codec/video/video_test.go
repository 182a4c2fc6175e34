package video

import (
	"errors"
	"testing"
)

func TestKeyFrame(t *testing.T) {
	cases := []struct {
		name  string
		c     Codec
		b     []byte
		key   bool
		isErr bool
	}{
		{"vp8 key", VP8, []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01}, true, false},
		{"vp8 inter", VP8, []byte{0x31, 0x04, 0x00, 0x11}, false, false},
		{"vp8 key without start code", VP8, []byte{0x50, 0x42, 0x00, 0x00, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01}, false, true},
		{"vp8 short", VP8, []byte{0x50}, false, true},
		// 10 0 0 0 0: marker, profile 0, show_existing 0, frame_type 0.
		{"vp9 key profile 0", VP9, []byte{0x82, 0x49, 0x83}, true, false},
		{"vp9 inter profile 0", VP9, []byte{0x86, 0x00}, false, false},
		{"vp9 show existing", VP9, []byte{0x88}, false, false},
		// Profile 3: marker, profile 1 1, reserved 0, show_existing 0, frame_type.
		{"vp9 key profile 3", VP9, []byte{0xb0, 0x00}, true, false},
		{"vp9 inter profile 3", VP9, []byte{0xb2, 0x00}, false, false},
		{"vp9 bad marker", VP9, []byte{0x42}, false, true},
		{"h264 idr", H264, []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88}, true, false},
		{"h264 non-idr", H264, []byte{0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x41, 0x9a}, false, false},
		{"h264 no start code", H264, []byte{0x65, 0x88, 0x84, 0x00}, false, true},
		{"h265 idr", H265, []byte{0, 0, 1, 0x40, 0x01, 0, 0, 1, 0x26, 0x01, 0xaf}, true, false},
		{"h265 trail", H265, []byte{0, 0, 1, 0x02, 0x01, 0xd0}, false, false},
		{"empty", VP8, nil, false, true},
		{"unknown codec", Codec(1), []byte{1, 2, 3}, false, true},
	}
	for _, tc := range cases {
		key, err := KeyFrame(tc.c, tc.b)
		if (err != nil) != tc.isErr || key != tc.key {
			t.Errorf("%s: KeyFrame = %v, %v; want key %v, error %v", tc.name, key, err, tc.key, tc.isErr)
		}
	}
}

func TestKeyFrameTooLarge(t *testing.T) {
	_, err := KeyFrame(VP8, make([]byte, MaxFrameBytes+1))
	var fe FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("KeyFrame of %d bytes: err %v, want a FormatError", MaxFrameBytes+1, err)
	}
}

func FuzzKeyFrame(f *testing.F) {
	f.Add(uint8(VP8), []byte{0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01})
	f.Add(uint8(VP9), []byte{0x82, 0x49, 0x83})
	f.Add(uint8(H264), []byte{0, 0, 0, 1, 0x65, 0x88})
	f.Add(uint8(H265), []byte{0, 0, 1, 0x26, 0x01})
	f.Fuzz(func(t *testing.T, c uint8, b []byte) {
		key, err := KeyFrame(Codec(c), b)
		if err != nil && key {
			t.Fatalf("KeyFrame returned both key and error %v", err)
		}
	})
}

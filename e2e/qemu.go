//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"spiceweb/wasm/raster"
	"spiceweb/wasm/raster/rastertest"
)

// QEMUOptions configures StartQEMU. The zero value is a 128 MiB PC with a
// QXL card and no disk: the firmware screen alone is real SPICE content.
type QEMUOptions struct {
	// Password sets the SPICE ticket; empty means disable-ticketing=on.
	Password string
	// ImageCompression, JPEGWANCompression, ZlibGLZWANCompression and
	// StreamingVideo are the -spice suboptions of the same names; empty
	// leaves the server default.
	ImageCompression      string
	JPEGWANCompression    string
	ZlibGLZWANCompression string
	StreamingVideo        string
	// MemoryMiB is -m; default 128.
	MemoryMiB int
	// ExtraArgs are appended to the command line.
	ExtraArgs []string
}

// QEMU is a running qemu-system-x86_64 serving its QXL display over SPICE
// on 127.0.0.1:Port.
type QEMU struct {
	Port     int
	Password string
	QMPPath  string // QMP unix socket, for Screendump and QMP
	Proc     *Proc

	t   testing.TB
	dir string
}

// StartQEMU starts QEMU (TCG) with a QXL card on a free loopback port and
// returns once the SPICE port listens (checked with ss, never by
// connecting). It is stopped when the test ends.
func StartQEMU(t testing.TB, opts QEMUOptions) *QEMU {
	t.Helper()
	Require(t, qemuTools...)
	if opts.MemoryMiB == 0 {
		opts.MemoryMiB = 128
	}
	dir := t.TempDir()
	q := &QEMU{
		Port:     FreePort(t),
		Password: opts.Password,
		QMPPath:  filepath.Join(dir, "qmp.sock"),
		t:        t,
		dir:      dir,
	}
	spice := []string{"port=" + strconv.Itoa(q.Port), "addr=127.0.0.1"}
	if opts.Password != "" {
		// QEMU parses commas as option separators; doubling escapes them.
		spice = append(spice, "password="+strings.ReplaceAll(opts.Password, ",", ",,"))
	} else {
		spice = append(spice, "disable-ticketing=on")
	}
	for _, o := range []struct{ k, v string }{
		{"image-compression", opts.ImageCompression},
		{"jpeg-wan-compression", opts.JPEGWANCompression},
		{"zlib-glz-wan-compression", opts.ZlibGLZWANCompression},
		{"streaming-video", opts.StreamingVideo},
	} {
		if o.v != "" {
			spice = append(spice, o.k+"="+o.v)
		}
	}
	args := []string{
		"-machine", "pc", "-m", strconv.Itoa(opts.MemoryMiB), "-nodefaults",
		"-vga", "qxl", "-display", "none",
		"-spice", strings.Join(spice, ","),
		"-qmp", "unix:" + q.QMPPath + ",server=on,wait=off",
	}
	args = append(args, opts.ExtraArgs...)
	p, err := startProc(t, procSpec{name: "qemu", path: ToolQEMU.Path, args: args})
	if err != nil {
		t.Fatalf("e2e: %v", err)
	}
	q.Proc = p
	WaitListen(t, q.Port, p, startTimeout)
	return q
}

// QMP sends one command over the QMP socket and returns its "return"
// value. A new connection per call keeps this simple; QMP allows several.
func (q *QEMU) QMP(ctx context.Context, command string, args any) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", q.QMPPath)
	if err != nil {
		return nil, fmt.Errorf("e2e: qmp: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	dec := json.NewDecoder(conn)
	enc := json.NewEncoder(conn)
	type reply struct {
		QMP    json.RawMessage `json:"QMP"`
		Event  string          `json:"event"`
		Return json.RawMessage `json:"return"`
		Error  *struct {
			Class string `json:"class"`
			Desc  string `json:"desc"`
		} `json:"error"`
	}
	// read skips the greeting and asynchronous events until a reply comes.
	read := func() (json.RawMessage, error) {
		for {
			var r reply
			if err := dec.Decode(&r); err != nil {
				return nil, err
			}
			switch {
			case r.Error != nil:
				return nil, fmt.Errorf("%s: %s", r.Error.Class, r.Error.Desc)
			case r.Return != nil:
				return r.Return, nil
			}
		}
	}
	type cmd struct {
		Execute   string `json:"execute"`
		Arguments any    `json:"arguments,omitempty"`
	}
	if err := enc.Encode(cmd{Execute: "qmp_capabilities"}); err != nil {
		return nil, fmt.Errorf("e2e: qmp: %w", err)
	}
	if _, err := read(); err != nil {
		return nil, fmt.Errorf("e2e: qmp: qmp_capabilities: %w", err)
	}
	if err := enc.Encode(cmd{Execute: command, Arguments: args}); err != nil {
		return nil, fmt.Errorf("e2e: qmp: %w", err)
	}
	ret, err := read()
	if err != nil {
		return nil, fmt.Errorf("e2e: qmp: %s: %w", command, err)
	}
	return ret, nil
}

// Screendump returns the guest's display as QEMU renders it (QMP
// screendump), the QEMU counterpart of Framebuffer. Alpha is 255.
func (q *QEMU) Screendump() *raster.Image {
	q.t.Helper()
	img, err := q.ScreendumpErr(q.t.Context())
	if err != nil {
		q.t.Fatal(err)
	}
	return img
}

// ScreendumpErr is Screendump returning its error, for polling.
func (q *QEMU) ScreendumpErr(ctx context.Context) (*raster.Image, error) {
	path := filepath.Join(q.dir, fmt.Sprintf("screendump-%d.png", time.Now().UnixNano()))
	args := map[string]string{"filename": path, "format": "png"}
	if _, err := q.QMP(ctx, "screendump", args); err != nil {
		return nil, err
	}
	img, err := rastertest.LoadPNG(path)
	if err != nil {
		return nil, fmt.Errorf("e2e: screendump: %w", err)
	}
	return img, nil
}

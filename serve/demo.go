//go:build !js

package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"os"

	"spiceweb/serve/replay"
)

// demoFS is serve's built-in demo: an Xspice desktop recorded by
// e2e/record_demo_test.go (see demo/README.md), replayed when serve runs
// without -target, -tokens, -jwt-key or -replay.
//
//go:embed demo
var demoFS embed.FS

// What the demo tells the page: the guest's name, shown as the title,
// and a notice above the screen.
const (
	demoName   = "spiceweb demo: a recorded desktop"
	demoNotice = "This is a recorded Xspice desktop, replayed by serve: the keyboard and mouse reach nothing. " +
		"Run serve with -target HOST:PORT to reach a real SPICE server."
)

// loadRecording loads the recording in dir, or the built-in demo when dir
// is "".
func loadRecording(dir string) (*replay.Recording, string, error) {
	if dir == "" {
		sub, err := fs.Sub(demoFS, "demo")
		if err != nil {
			return nil, "", err
		}
		rec, err := replay.Load(sub, replay.Options{Name: demoName, Notice: demoNotice})
		return rec, "the built-in demo", err
	}
	rec, err := replay.Load(os.DirFS(dir), replay.Options{
		Name:   "a recording",
		Notice: "This is a recorded SPICE session, replayed by serve: the keyboard and mouse reach nothing.",
	})
	if err != nil {
		return nil, "", fmt.Errorf("-replay %s: %w", dir, err)
	}
	return rec, "the recording in " + dir, nil
}

// startReplay plays rec on one end of a pipe and returns the other end,
// which the connection then reads and writes as it would a SPICE server's
// TCP connection, with the same limits, timeouts, metrics and log; and a
// channel that gives how the replay ended. Closing the returned end ends
// the replay; that is also how a shutdown ends it, through the connection
// (conn.serve), so that the connection, not the replay, gives the reason.
func startReplay(rec *replay.Recording) (net.Conn, <-chan error) {
	client, server := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- rec.Serve(context.Background(), server) }()
	return client, done
}

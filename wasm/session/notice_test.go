package session

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"spiceweb/wasm/spice"
	"spiceweb/wasm/spice/spicetest"
)

// infoSink is a recSink that also hears the guest's name and notices.
type infoSink struct {
	*recSink
	mu      sync.Mutex
	names   []string
	notices []string
	got     chan struct{} // closed at the first notice
}

func (s *infoSink) GuestName(name string) {
	s.mu.Lock()
	s.names = append(s.names, name)
	s.mu.Unlock()
}

func (s *infoSink) Notice(message string) {
	s.mu.Lock()
	s.notices = append(s.notices, message)
	if len(s.notices) == 1 {
		close(s.got)
	}
	s.mu.Unlock()
}

// TestSessionNameAndNotice: the sink hears the guest's name and the info
// notices of high visibility, and only those; a warning such as
// spice-server's "keyboard channel is insecure" stays in the log.
func TestSessionNameAndNotice(t *testing.T) {
	srv := spicetest.NewServer(t)
	notify := func(severity, visibility uint32, text string) []byte {
		return (&spice.MsgNotify{Severity: severity, Visibility: visibility, Message: text}).Encode(nil)
	}
	srv.Handle = func(ch *spicetest.ServerChannel) {
		if ch.Type != spice.ChannelMain {
			drain(ch)
			return
		}
		if !ch.ChannelCaps.Has(spice.MainCapNameAndUUID) {
			t.Error("the client does not announce MainCapNameAndUUID")
		}
		ch.Send(spice.MsgTypeMainInit, mainInitBody(srv.SessionID, spice.MouseModeServer, spice.MouseModeServer))
		ch.Send(spice.MsgTypeMainName, (&spice.MsgMainName{Name: "recorded desktop"}).Encode(nil))
		ch.Send(spice.MsgTypeNotify, notify(spice.NotifySeverityWarn, spice.NotifyVisibilityHigh, "keyboard channel is insecure"))
		ch.Send(spice.MsgTypeNotify, notify(spice.NotifySeverityInfo, spice.NotifyVisibilityLow, "quiet"))
		ch.Send(spice.MsgTypeNotify, notify(spice.NotifySeverityInfo, spice.NotifyVisibilityHigh, "this is a recording"))
		drain(ch)
	}
	srv.Start()
	sink := &infoSink{recSink: newRecSink(), got: make(chan struct{})}
	c := New(Config{Dial: srv.Dial, Sink: sink})
	sink.client = c
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	select {
	case <-sink.got:
	case err := <-done:
		t.Fatalf("session ended: %v", err)
	case <-ctx.Done():
		t.Fatal("no notice")
	}
	cancel()
	<-done
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if !slices.Equal(sink.names, []string{"recorded desktop"}) || !slices.Equal(sink.notices, []string{"this is a recording"}) {
		t.Errorf("names %q, notices %q; want the name and the info notice only", sink.names, sink.notices)
	}
	sink.recSink.mu.Lock()
	defer sink.recSink.mu.Unlock()
	if !slices.ContainsFunc(sink.logs, func(l string) bool { return l == "warn: main: server notice: keyboard channel is insecure" }) {
		t.Errorf("the warning is not in the log: %q", sink.logs)
	}
}

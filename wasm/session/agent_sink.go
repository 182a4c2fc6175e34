package session

// AgentSink is what a Sink implements to hear from the guest agent. It is
// separate from Sink so that sinks without agent features keep working;
// the session checks for it with a type assertion. Its methods are called
// with no session lock held, from the main channel's goroutine or the
// goroutine of the API call that caused them.
type AgentSink interface {
	// Agent reports what the agent can do: once at the start (not
	// connected), then on every change.
	Agent(s AgentState)
	// Clipboard is the guest's new clipboard content, fetched as soon as
	// the guest grabbed it. Image data is only valid during the call.
	Clipboard(d ClipboardData)
	// FileProgress reports a file given to SendFile: FileQueued, then
	// FileSending at least every 1% or 250 ms, then one final state with
	// a message for the user when it did not succeed.
	FileProgress(id int, state FileState, sent, total int64, message string)
}

// AgentState is what the guest agent can do now; all false while it is not
// connected.
type AgentState struct {
	Connected       bool
	Clipboard       bool // text clipboard both ways
	ClipboardImages bool // PNG images both ways
	Resize          bool // SetDisplaySize reaches the guest
	Files           bool // SendFile reaches the guest
}

// ClipboardData is clipboard content: text ("\n" line endings) or a PNG.
type ClipboardData struct {
	Text  string
	PNG   []byte
	Image bool // PNG holds the content, not Text
}

// FileState is where a file transfer is.
type FileState int

const (
	FileQueued FileState = iota
	FileSending
	FileDone
	FileCancelled
	FileFailed
)

func (s FileState) String() string {
	return [...]string{"queued", "sending", "done", "cancelled", "failed"}[s]
}

// FileSource is a file to send, read in pieces (in the browser a Blob):
// never held whole, so its size is not bounded by memory.
type FileSource interface {
	Size() int64
	// ReadAt reads len(p) bytes at off, as io.ReaderAt; the session asks
	// only for ranges inside Size.
	ReadAt(p []byte, off int64) (int, error)
}

type nopAgentSink struct{}

func (nopAgentSink) Agent(AgentState)                                  {}
func (nopAgentSink) Clipboard(ClipboardData)                           {}
func (nopAgentSink) FileProgress(int, FileState, int64, int64, string) {}

package token

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits on what token files may hold; past them a file is refused whole
// (and logged), so a runaway generator cannot exhaust the proxy's memory.
const (
	MaxFileSize  = 64 << 20 // bytes per token file
	MaxEntries   = 1 << 20  // tokens over all files
	MaxDirFiles  = 100000   // files in a token directory
	maxLineNotes = 10       // syntax errors logged per file and load
)

// How often File looks at its files again. A lookup stats the token path
// itself every time (one system call); every rescanEvery it also stats
// every file of a directory, which catches edits in place. A token that
// is not found forces a rescan, at most every missRescan, so a token
// written just before its console is opened is found.
const (
	rescanEvery = time.Second
	missRescan  = 100 * time.Millisecond
)

// LineError is a line of a token file that is not "token: host:port".
type LineError struct {
	Line int
	Err  string
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Err) }

// Parse reads one token file as websockify's ReadOnlyTokenFile does:
// lines are trimmed; empty lines and lines starting with '#' are skipped;
// a line splits at ": " (a colon and any white space, websockify's
// re.split(':\s', line)) into exactly two parts, the token and the
// target, whose port follows its last colon. A later line wins over an
// earlier one with the same token. Lines that do not parse are returned
// as errors and skipped, as websockify skips them.
//
// Where websockify keeps a line that can never lead anywhere (no port, a
// port out of range, a malformed host, an empty token), it is a syntax
// error here. An IPv6 literal may be written as websockify needs it,
// "fd00::1:5900", or in brackets, "[fd00::1]:5900" (which websockify
// would hand to getaddrinfo with the brackets, and fail).
func Parse(src []byte) (map[string]Target, []LineError) {
	entries := map[string]Target{}
	var errs []LineError
	for n := 1; len(src) > 0; n++ {
		var line []byte
		line, src, _ = bytes.Cut(src, []byte{'\n'})
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		tok, target, err := parseLine(s)
		if err != nil {
			errs = append(errs, LineError{Line: n, Err: err.Error()})
			continue
		}
		entries[tok] = target
	}
	return entries, errs
}

func parseLine(s string) (string, Target, error) {
	parts := splitColonSpace(s)
	if len(parts) != 2 {
		return "", Target{}, errors.New(`want "token: host:port"`)
	}
	tok, target := parts[0], strings.TrimSpace(parts[1])
	if tok == "" {
		return "", Target{}, errors.New("empty token")
	}
	if len(tok) > MaxTokenLen {
		return "", Target{}, fmt.Errorf("token longer than %d bytes", MaxTokenLen)
	}
	i := strings.LastIndexByte(target, ':')
	if i < 0 {
		return "", Target{}, errors.New("target has no port (want host:port)")
	}
	t, err := ParseTarget(target[:i], target[i+1:])
	if err != nil {
		return "", Target{}, fmt.Errorf("target: %v", err)
	}
	return tok, t, nil
}

// splitColonSpace splits s at every colon followed by a white-space
// character, dropping both (Python's re.split(':\s', s)).
func splitColonSpace(s string) []string {
	var parts []string
	start := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ':' && isSpace(s[i+1]) {
			parts = append(parts, s[start:i])
			start = i + 2
			i++
		}
	}
	return append(parts, s[start:])
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// File resolves tokens from a websockify token file, or from every file
// in a directory of them, and follows changes to them: a token added,
// changed or removed takes effect on the next lookup (see rescanEvery).
// A file that cannot be read contributes no tokens: the proxy fails
// closed. Names starting with '.' in a directory are skipped (editors'
// swap and temporary files); websockify reads them too.
type File struct {
	path string
	log  *slog.Logger

	mu       sync.Mutex // serializes scans
	state    atomic.Pointer[fileState]
	lastScan atomic.Int64 // unix nanoseconds of the last full scan
	now      func() time.Time
}

type fileState struct {
	root    stamp
	files   map[string]loadedFile // by path
	entries map[string]Target     // merged, later file names winning
}

// stamp is what tells a file changed without reading it.
type stamp struct {
	mod   time.Time
	size  int64
	isDir bool
	ok    bool
}

func stampOf(fi fs.FileInfo) stamp {
	return stamp{mod: fi.ModTime(), size: fi.Size(), isDir: fi.IsDir(), ok: true}
}

type loadedFile struct {
	stamp   stamp
	entries map[string]Target
}

// OpenFile loads the token file or directory at path. It fails if path
// does not exist or cannot be read; later failures are logged and the
// proxy keeps running with what it can read.
func OpenFile(path string, log *slog.Logger) (*File, error) {
	f := &File{path: path, log: log, now: time.Now}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	if fi.IsDir() {
		if _, err := os.ReadDir(path); err != nil {
			return nil, fmt.Errorf("token directory: %w", err)
		}
	} else if _, err := readLimited(path); err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	f.scan(true, 0)
	return f, nil
}

// Len is the number of tokens loaded.
func (f *File) Len() int { return len(f.state.Load().entries) }

// Reload reads every file again, changed or not (SIGHUP).
func (f *File) Reload() { f.scan(true, 0) }

// Lookup returns the target of tok.
func (f *File) Lookup(tok string) (Target, error) {
	if tok == "" || len(tok) > MaxTokenLen {
		return Target{}, refuse(ReasonMalformed, "empty or oversized token")
	}
	f.maybeRescan()
	if t, ok := f.state.Load().entries[tok]; ok {
		return t, nil
	}
	if seen := f.lastScan.Load(); f.now().UnixNano()-seen >= int64(missRescan) {
		f.scan(false, seen)
		if t, ok := f.state.Load().entries[tok]; ok {
			return t, nil
		}
	}
	return Target{}, refuse(ReasonUnknown, "token not in "+f.path)
}

// maybeRescan scans when the token path itself changed, or every
// rescanEvery.
func (f *File) maybeRescan() {
	st := f.state.Load()
	seen := f.lastScan.Load()
	if f.now().UnixNano()-seen >= int64(rescanEvery) {
		f.scan(false, seen)
		return
	}
	fi, err := os.Stat(f.path)
	var cur stamp
	if err == nil {
		cur = stampOf(fi)
	}
	if cur != st.root {
		f.scan(false, seen)
	}
}

// scan stats the token path and its files, rereads those that changed
// (all of them when force is set) and publishes the merged tokens. seen
// is the lastScan the caller decided on: when another scan finished
// meanwhile, lookups that raced to scan find its result instead.
func (f *File) scan(force bool, seen int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !force && f.lastScan.Load() != seen {
		return
	}
	old := f.state.Load()
	if old == nil {
		old = &fileState{}
	}
	start := f.now()
	next := &fileState{files: map[string]loadedFile{}}
	defer func() { f.lastScan.Store(start.UnixNano()) }()

	fi, err := os.Stat(f.path)
	if err != nil {
		if old.root.ok {
			f.log.Error("token file unreadable: no tokens until it is back", "path", f.path, "err", err)
		}
		next.entries = map[string]Target{}
		f.state.Store(next)
		return
	}
	next.root = stampOf(fi)
	var names []string
	if fi.IsDir() {
		des, err := os.ReadDir(f.path)
		if err != nil {
			f.log.Error("token directory unreadable: no tokens until it is back", "path", f.path, "err", err)
			next.entries = map[string]Target{}
			f.state.Store(next)
			return
		}
		for _, de := range des {
			if strings.HasPrefix(de.Name(), ".") || de.IsDir() {
				continue
			}
			if len(names) == MaxDirFiles {
				f.log.Error("token directory has too many files; the rest are ignored", "path", f.path, "max", MaxDirFiles)
				break
			}
			names = append(names, filepath.Join(f.path, de.Name()))
		}
	} else {
		names = []string{f.path}
	}
	slices.Sort(names) // ReadDir sorts already; a file's tokens override earlier files'

	changed := force || next.root != old.root
	for _, name := range names {
		fi, err := os.Stat(name)
		if err != nil || !fi.Mode().IsRegular() {
			if err == nil {
				err = errors.New("not a regular file")
			}
			if _, had := old.files[name]; had || force {
				f.log.Error("token file unreadable: its tokens are dropped", "path", name, "err", err)
			}
			changed = changed || old.files[name].entries != nil
			continue
		}
		st := stampOf(fi)
		if prev, ok := old.files[name]; ok && !force && prev.stamp == st {
			next.files[name] = prev
			continue
		}
		changed = true
		next.files[name] = f.load(name, st)
	}
	if !changed && len(next.files) == len(old.files) {
		f.state.Store(&fileState{root: next.root, files: next.files, entries: old.entries})
		return
	}
	next.entries = map[string]Target{}
	dups := 0
	for _, name := range names {
		for tok, t := range next.files[name].entries {
			if len(next.entries) >= MaxEntries {
				break
			}
			if _, ok := next.entries[tok]; ok {
				dups++
			}
			next.entries[tok] = t
		}
	}
	if len(next.entries) >= MaxEntries {
		f.log.Error("too many tokens; the rest are ignored", "path", f.path, "max", MaxEntries)
	}
	f.state.Store(next)
	f.log.Info("tokens loaded", "path", f.path, "files", len(names), "tokens", len(next.entries), "duplicates", dups)
}

// load reads and parses one token file, logging its syntax errors (with
// line numbers, never the line: it may hold a token).
func (f *File) load(name string, st stamp) loadedFile {
	src, err := readLimited(name)
	if err != nil {
		f.log.Error("token file unreadable: its tokens are dropped", "path", name, "err", err)
		return loadedFile{stamp: st}
	}
	entries, errs := Parse(src)
	for i, e := range errs {
		if i == maxLineNotes {
			f.log.Warn("more token file syntax errors", "path", name, "count", len(errs)-maxLineNotes)
			break
		}
		f.log.Warn("token file syntax error, line skipped", "path", name, "line", e.Line, "err", e.Err)
	}
	return loadedFile{stamp: st, entries: entries}
}

func readLimited(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	b, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileSize)
	}
	return b, nil
}

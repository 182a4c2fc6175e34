package token

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestParseMatchesWebsockify: testdata/tokenfile/websockify.json is what
// websockify's own ReadOnlyTokenFile made of tokens.txt (gen.py). Every
// target websockify could connect to must come out the same; every
// entry it keeps that could never connect (no port, a bad port) is a
// syntax error here; the lines websockify calls syntax errors are too.
func TestParseMatchesWebsockify(t *testing.T) {
	src, err := os.ReadFile("testdata/tokenfile/tokens.txt")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/tokenfile/websockify.json")
	if err != nil {
		t.Fatal(err)
	}
	var ws struct {
		Targets map[string][]string
		Stderr  []string
	}
	if err := json.Unmarshal(b, &ws); err != nil {
		t.Fatal(err)
	}
	got, errs := Parse(src)
	errLines := map[int]bool{}
	for _, e := range errs {
		errLines[e.Line] = true
	}
	lineOf := func(tok string) int {
		for i, l := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), tok+":") {
				return i + 1 // the last such line wins in both
			}
		}
		return 0
	}
	for tok, target := range ws.Targets {
		want := Target{}
		valid := false
		if len(target) == 2 && tok != "" { // an empty token can never be asked for
			if tt, err := ParseTarget(target[0], target[1]); err == nil {
				want, valid = tt, true
			}
		}
		switch {
		case valid && got[tok] != want:
			t.Errorf("token %q: got %v, websockify %v", tok, got[tok], target)
		case !valid:
			if _, ok := got[tok]; ok {
				t.Errorf("token %q: accepted as %v; websockify's %v can never connect", tok, got[tok], target)
			}
			if tok != "" && !errLines[lineOf(tok)] {
				t.Errorf("token %q (line %d): no syntax error; websockify's %v can never connect", tok, lineOf(tok), target)
			}
		}
	}
	for _, l := range ws.Stderr {
		var n int
		if _, err := fmtSscanf(l, &n); err != nil {
			t.Fatalf("websockify message %q: %v", l, err)
		}
		if !errLines[n] {
			t.Errorf("websockify reports a syntax error on line %d, Parse does not (errors %v)", n, errs)
		}
	}
	for tok := range got {
		if _, ok := ws.Targets[tok]; !ok {
			t.Errorf("token %q: websockify does not have it", tok)
		}
	}
	if len(got) < 7 {
		t.Fatalf("only %d tokens parsed: %v", len(got), got)
	}
}

// fmtSscanf reads websockify's "Syntax error in FILE on line N".
func fmtSscanf(l string, n *int) (int, error) {
	_, after, ok := strings.Cut(l, " on line ")
	if !ok {
		return 0, os.ErrInvalid
	}
	return 1, json.Unmarshal([]byte(after), n)
}

func TestParse(t *testing.T) {
	tests := []struct {
		src    string
		want   map[string]string
		errors []int // lines
	}{
		{"a: h:1\nb: h:2\n", map[string]string{"a": "h:1", "b": "h:2"}, nil},
		{"\ufeffa: h:1", map[string]string{"\ufeffa": "h:1"}, nil}, // a BOM stays part of the token, as in websockify
		{"a: h:1\r\nb: h:2\r\n", map[string]string{"a": "h:1", "b": "h:2"}, nil},
		{"# c\n\n  \na: [::1]:5900", map[string]string{"a": "[::1]:5900"}, nil},
		{"a:h:1\na: h: 1\n", map[string]string{}, []int{1, 2}},
		{"a: ::1:5900\nb: fd00::2:5901", map[string]string{"a": "[::1]:5900", "b": "[fd00::2]:5901"}, nil}, // websockify's rsplit
		{"a: h:0\nb: h:65536\nc: h:\nd: :1\ne: h h:1", map[string]string{}, []int{1, 2, 3, 4, 5}},
		{"a: " + strings.Repeat("x", 254) + ":1", map[string]string{}, []int{1}},
		{strings.Repeat("t", MaxTokenLen+1) + ": h:1", map[string]string{}, []int{1}},
		{"a: h:1\na: h:2", map[string]string{"a": "h:2"}, nil},
		{"", map[string]string{}, nil},
		{"\x00\xff: h:1", map[string]string{"\x00\xff": "h:1"}, nil},
	}
	for _, tt := range tests {
		got, errs := Parse([]byte(tt.src))
		gotS := map[string]string{}
		for k, v := range got {
			gotS[k] = v.String()
		}
		if !equalMaps(gotS, tt.want) {
			t.Errorf("Parse(%.40q) = %v, want %v", tt.src, gotS, tt.want)
		}
		var lines []int
		for _, e := range errs {
			lines = append(lines, e.Line)
		}
		if !equalInts(lines, tt.errors) {
			t.Errorf("Parse(%.40q) errors on lines %v, want %v (%v)", tt.src, lines, tt.errors, errs)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// syncLog is a log destination safe for concurrent lookups.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newTestFile(t *testing.T, path string) (*File, *syncLog, *time.Time) {
	t.Helper()
	logs := &syncLog{}
	f, err := OpenFile(path, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	f.now = func() time.Time { return clock }
	return f, logs, &clock
}

func lookupOK(t *testing.T, f *File, tok, want string) {
	t.Helper()
	got, err := f.Lookup(tok)
	if err != nil {
		t.Fatalf("Lookup(%q): %v", tok, err)
	}
	if got.String() != want {
		t.Fatalf("Lookup(%q) = %s, want %s", tok, got, want)
	}
}

func lookupRefused(t *testing.T, f *File, tok string, want Reason) {
	t.Helper()
	got, err := f.Lookup(tok)
	if err == nil {
		t.Fatalf("Lookup(%q) = %s, want a refusal", tok, got)
	}
	if r := reasonOf(err); r != want {
		t.Fatalf("Lookup(%q): %v, want reason %s", tok, err, want)
	}
}

// touch writes a file with a modification time of its own, so a change
// is seen even on file systems with coarse timestamps.
func touch(t *testing.T, path, content string, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func TestFileFollowsChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	base := time.Now().Add(-time.Hour)
	touch(t, path, "a: h:1\n", base)
	f, logs, clock := newTestFile(t, path)
	lookupOK(t, f, "a", "h:1")
	lookupRefused(t, f, "b", ReasonUnknown)

	// Rewritten in place: seen at the next lookup (the file's own stamp
	// changed).
	touch(t, path, "a: h:2\nb: h:3\nbad line\n", base.Add(time.Second))
	lookupOK(t, f, "a", "h:2")
	lookupOK(t, f, "b", "h:3")

	// Removed: every token goes (fails closed), and comes back with it.
	os.Remove(path)
	*clock = clock.Add(rescanEvery)
	lookupRefused(t, f, "a", ReasonUnknown)
	touch(t, path, "a: h:4\n", base.Add(2*time.Second))
	lookupOK(t, f, "a", "h:4")

	// Unreadable after the start (too big: a sparse file past the
	// limit): logged, no tokens.
	touch(t, path, "a: h:5\n", base.Add(3*time.Second))
	if err := os.Truncate(path, MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, base.Add(4*time.Second), base.Add(4*time.Second))
	lookupRefused(t, f, "a", ReasonUnknown)

	log := logs.String()
	for _, want := range []string{"line=3", "token file syntax error", "larger than", "token file unreadable"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "bad line") {
		t.Errorf("the log shows a token file line:\n%s", log)
	}
}

func TestDirectoryFollowsChanges(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	touch(t, filepath.Join(dir, "vm1"), "t1: h:1\n", base)
	touch(t, filepath.Join(dir, ".vm2.swp"), "t2: h:2\n", base)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	touch(t, filepath.Join(dir, "sub", "vm3"), "t3: h:3\n", base)
	f, _, clock := newTestFile(t, dir)
	lookupOK(t, f, "t1", "h:1")
	lookupRefused(t, f, "t2", ReasonUnknown) // dot files are skipped
	lookupRefused(t, f, "t3", ReasonUnknown) // so are subdirectories

	// A new file: a lookup that misses rescans (once missRescan passed).
	touch(t, filepath.Join(dir, "vm4"), "t4: h:4\n", base)
	*clock = clock.Add(missRescan)
	lookupOK(t, f, "t4", "h:4")

	// An edit in place leaves the directory's stamp alone; the periodic
	// rescan finds it.
	touch(t, filepath.Join(dir, "vm1"), "t1: h:10\n", base.Add(time.Second))
	*clock = clock.Add(rescanEvery)
	lookupOK(t, f, "t1", "h:10")

	// A later file name wins over an earlier one.
	touch(t, filepath.Join(dir, "vm5"), "t1: h:11\n", base)
	*clock = clock.Add(rescanEvery)
	lookupOK(t, f, "t1", "h:11")

	// Removed files take their tokens along.
	os.Remove(filepath.Join(dir, "vm4"))
	*clock = clock.Add(rescanEvery)
	lookupRefused(t, f, "t4", ReasonUnknown)
	if n := f.Len(); n != 1 {
		t.Fatalf("%d tokens, want 1", n)
	}
}

func TestFileLookupLimits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	touch(t, path, "a: h:1\n", time.Now())
	f, _, _ := newTestFile(t, path)
	lookupRefused(t, f, "", ReasonMalformed)
	lookupRefused(t, f, strings.Repeat("a", MaxTokenLen+1), ReasonMalformed)
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing"), slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("OpenFile of a missing file: no error")
	}
}

// TestFileConcurrentLookups runs lookups while the file changes (for the
// race detector) and checks every answer is one the file held.
func TestFileConcurrentLookups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	touch(t, path, "a: h:1\n", time.Now())
	logs := &syncLog{}
	f, err := OpenFile(path, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := f.Lookup("a")
				if err == nil && got.Host != "h" {
					t.Errorf("Lookup = %v", got)
					return
				}
			}
		})
	}
	for i := range 50 {
		touch(t, path, "a: h:"+string(rune('1'+i%9))+"\n", time.Now().Add(time.Duration(i)*time.Second))
		time.Sleep(time.Millisecond)
	}
	close(stop)
	wg.Wait()
}

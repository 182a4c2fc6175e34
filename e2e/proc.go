//go:build linux

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeouts shared by the helpers. They are generous for a 2-core CI machine
// under load; the happy path takes a small fraction of each.
const (
	startTimeout = 45 * time.Second // a server until it answers
	runTimeout   = 30 * time.Second // one short-lived client command
	stopGrace    = 5 * time.Second  // SIGTERM to SIGKILL
	pollInterval = 50 * time.Millisecond
)

// Proc is a long-running process the harness started. It leads its own
// process group, so stopping it also stops whatever it spawned (Xspice is a
// Python wrapper around Xorg; websockify forks per connection).
type Proc struct {
	Name    string
	LogPath string // stdout and stderr of the process

	cmd      *exec.Cmd
	done     chan struct{}
	waitErr  error
	stopOnce sync.Once
	// beforeStop runs first in Stop, for servers that must be shut down in a
	// particular order (see Xspice).
	beforeStop func()
}

type procSpec struct {
	name string
	path string
	args []string
	env  []string // added to the environment of the test binary
	dir  string   // working directory; "" for the test's
	// deathSig reaches the process if the test binary dies without running
	// its cleanups (a go test -timeout panic). SIGTERM lets wrapper scripts
	// stop their own children; SIGKILL is used when there is no wrapper.
	deathSig syscall.Signal
	// stdin and extraFiles (descriptors 3, 4, …) are given to the process
	// as they are, for a driver spoken to over pipes; the caller closes its
	// copies of the child's ends after startProc returns.
	stdin      *os.File
	extraFiles []*os.File
}

// startProc starts spec in a new process group with output to a log file in
// t.TempDir(), and registers a cleanup that stops it and, if the test
// failed, reports its log.
func startProc(t testing.TB, spec procSpec) (*Proc, error) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), spec.name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the child has its own descriptor
	cmd := exec.Command(spec.path, spec.args...)
	cmd.Env = append(os.Environ(), spec.env...)
	cmd.Dir = spec.dir
	cmd.Stdout, cmd.Stderr = f, f
	if spec.stdin != nil {
		cmd.Stdin = spec.stdin
	}
	cmd.ExtraFiles = spec.extraFiles
	sig := spec.deathSig
	if sig == 0 {
		sig = syscall.SIGKILL
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: sig}
	fmt.Fprintf(f, "+ %s\n", shellQuote(append([]string{spec.path}, spec.args...)))
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.name, err)
	}
	p := &Proc{Name: spec.name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Errorf("stopping %s: %v", p.Name, err)
		}
		if t.Failed() {
			reportLogs(t, p.LogPath)
		}
	})
	return p, nil
}

// Pid is the process id, which is also the id of its process group.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Stop terminates the process group: SIGTERM, then SIGKILL after a grace
// period. It is idempotent and safe after the process exited by itself.
// Stragglers left in the group after the leader exits are killed too.
func (p *Proc) Stop() error {
	var err error
	p.stopOnce.Do(func() {
		if p.beforeStop != nil {
			p.beforeStop()
			// What beforeStop ended may have been all the process waited
			// for (Xspice's wrapper exits with its Xorg); a signal now would
			// only race its own exit (the wrapper's SIGTERM handler then
			// deadlocks, costing the whole grace period).
			select {
			case <-p.done:
			case <-time.After(time.Second):
			}
		}
		pgid := p.Pid()
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		// A process paused with Pause sees SIGTERM only once continued.
		_ = syscall.Kill(-pgid, syscall.SIGCONT)
		select {
		case <-p.done:
		case <-time.After(stopGrace):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			select {
			case <-p.done:
			case <-time.After(stopGrace):
				err = fmt.Errorf("pid %d did not exit after SIGKILL", pgid)
				return
			}
		}
		// The leader is gone; its group id cannot be reused while any
		// member remains, so this reaches only our own leftovers.
		if e := syscall.Kill(-pgid, syscall.SIGKILL); e == nil {
			waitGroupGone(pgid, stopGrace)
		}
	})
	return err
}

// Pause stops the process (SIGSTOP) until Resume, for example to halt a
// workload while clients come and go. Its children run on: an X client
// that stops drawing makes its child block on a full pty or pipe.
func (p *Proc) Pause() error { return p.cmd.Process.Signal(syscall.SIGSTOP) }

// Resume continues a process stopped by Pause.
func (p *Proc) Resume() error { return p.cmd.Process.Signal(syscall.SIGCONT) }

// waitGroupGone waits until no process is left in group pgid.
func waitGroupGone(pgid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// killProcsWithArg kills every process whose command line has the exact
// argument arg, for programs that leave helpers outside their process group.
func killProcsWithArg(arg string) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for a := range bytes.SplitSeq(cmdline, []byte{0}) {
			if string(a) == arg {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
		}
	}
}

// runCmd runs a short-lived command to completion, in its own process group
// so that a timeout kills everything it started, and returns its stdout.
// The error includes stderr.
func runCmd(ctx context.Context, env []string, path string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = stopGrace
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%v)", err, ctx.Err())
		}
		return stdout.Bytes(), fmt.Errorf("%s: %w: %s", shellQuote(append([]string{path}, args...)), err,
			strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// waitUntil polls cond until it returns nil, the timeout passes, or p (if
// not nil) exits. The error carries cond's last error.
func waitUntil(ctx context.Context, timeout time.Duration, what string, p *Proc, cond func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = cond(ctx); last == nil {
			return nil
		}
		var done <-chan struct{}
		if p != nil {
			done = p.done
		}
		select {
		case <-done:
			return fmt.Errorf("waiting for %s: %s exited (%v); last check: %v", what, p.Name, p.waitErr, last)
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: timed out after %v; last check: %v", what, timeout, last)
		case <-time.After(pollInterval):
		}
	}
}

// reportLogs logs the tail of each file and copies it into the artifacts
// directory, for a failed test.
func reportLogs(t testing.TB, paths ...string) {
	t.Helper()
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		t.Logf("--- last lines of %s ---\n%s", filepath.Base(path), tailLines(data, 40))
		if dir := ArtifactDir(t); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, filepath.Base(path)), data, 0o644)
		}
	}
}

// logNoise matches log lines that never explain a failure: Chromium
// complaining, many times a second, that the machine has no D-Bus.
var logNoise = regexp.MustCompile(`ERROR:dbus/|Failed to connect to the bus`)

// tailLines returns the last n lines of data, without noise and with runs
// of identical lines folded into one (Xspice logs one line per command it
// polls).
func tailLines(data []byte, n int) string {
	var lines []string
	repeat := 0
	flush := func() {
		if repeat > 0 {
			lines = append(lines, fmt.Sprintf("        [previous line repeated %d times]", repeat))
			repeat = 0
		}
	}
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if logNoise.MatchString(line) {
			continue
		}
		if len(lines) > 0 && line == lines[len(lines)-1] {
			repeat++
			continue
		}
		flush()
		lines = append(lines, line)
	}
	flush()
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// shellQuote renders argv for logs so that a failing command can be pasted
// into a shell.
func shellQuote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

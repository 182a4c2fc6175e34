package token

import (
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// JWT resolves signed tokens with the key in a file, which it follows as
// websockify does (websockify reads the key file on every lookup; here a
// lookup stats it at most every rescanEvery and rereads it when it
// changed). A key file that stops parsing fails closed: every token is
// refused with ReasonNoKey until the file is fixed. A rotated key is a
// new file; keeping the old key after a failed rotation could keep a
// leaked key working.
type JWT struct {
	path string
	log  *slog.Logger
	now  func() time.Time

	mu        sync.Mutex
	cur       atomic.Pointer[loadedKey]
	lastCheck atomic.Int64
}

type loadedKey struct {
	key   *Key
	err   error
	stamp stamp
}

// OpenJWT reads the key file at path; it must hold a usable key.
func OpenJWT(path string, log *slog.Logger) (*JWT, error) {
	j := &JWT{path: path, log: log, now: time.Now}
	lk := j.read()
	if lk.err != nil {
		return nil, fmt.Errorf("JWT key %s: %w", path, lk.err)
	}
	j.cur.Store(lk)
	j.lastCheck.Store(j.now().UnixNano())
	j.logKey(lk)
	return j, nil
}

// Key is the key in use, nil when the file no longer parses.
func (j *JWT) Key() *Key { return j.cur.Load().key }

// Reload rereads the key file (SIGHUP).
func (j *JWT) Reload() { j.check(true, 0) }

// Lookup verifies tok and returns the target its claims name.
func (j *JWT) Lookup(tok string) (Target, error) {
	if seen := j.lastCheck.Load(); j.now().UnixNano()-seen >= int64(rescanEvery) {
		j.check(false, seen)
	}
	lk := j.cur.Load()
	if lk.key == nil {
		return Target{}, refuse(ReasonNoKey, "the key file "+j.path+" is unusable: "+lk.err.Error())
	}
	return Verify(lk.key, tok, j.now())
}

func (j *JWT) check(force bool, seen int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !force && j.lastCheck.Load() != seen {
		return
	}
	defer j.lastCheck.Store(j.now().UnixNano())
	old := j.cur.Load()
	if !force {
		fi, err := os.Stat(j.path)
		if err == nil && stampOf(fi) == old.stamp {
			return
		}
	}
	lk := j.read()
	j.cur.Store(lk)
	if lk.err != nil {
		j.log.Error("JWT key file unusable: every token is refused until it is fixed", "path", j.path, "err", lk.err)
		return
	}
	j.logKey(lk)
}

func (j *JWT) logKey(lk *loadedKey) {
	j.log.Info("JWT key loaded", "path", j.path, "kind", lk.key.String())
	if lk.key.ShortSecret() {
		j.log.Warn("JWT HMAC secret is shorter than 32 bytes; RFC 7518 asks for at least the hash size", "path", j.path)
	}
}

func (j *JWT) read() *loadedKey {
	fi, err := os.Stat(j.path)
	if err != nil {
		return &loadedKey{err: err}
	}
	st := stampOf(fi)
	if fi.Size() > MaxKeyFileSize {
		return &loadedKey{err: fmt.Errorf("larger than %d bytes", MaxKeyFileSize), stamp: st}
	}
	b, err := os.ReadFile(j.path)
	if err != nil {
		return &loadedKey{err: err, stamp: st}
	}
	k, err := ParseKey(b)
	return &loadedKey{key: k, err: err, stamp: st}
}

// Package codectest reads the fixture lists of the codec packages'
// testdata directories, for their tests and for the benchmarks.
//
// A list (testdata/fixtures.txt) has one fixture per line: its name, then
// key=value fields that hold what the SPICE image carries outside the
// codec's own bytes (size, format, flags). Blank lines and lines starting
// with # are skipped.
package codectest

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Entry is one fixture line.
type Entry struct {
	Name   string
	Fields map[string]string
}

// Int returns field k as an integer, and whether it is present.
func (e Entry) Int(k string) (int, bool, error) {
	v, ok := e.Fields[k]
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, true, fmt.Errorf("fixture %s: %s=%q: %w", e.Name, k, v, err)
	}
	return n, true, nil
}

// ReadList reads a fixture list. Every key must be one of known.
func ReadList(path string, known ...string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		e := Entry{Name: fields[0], Fields: map[string]string{}}
		for _, kv := range fields[1:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || !contains(known, k) {
				return nil, fmt.Errorf("%s: fixture %s: unknown field %q", path, e.Name, kv)
			}
			e.Fields[k] = v
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

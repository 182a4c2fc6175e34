//go:build !js

package main

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"spiceweb/serve/internal/token"
)

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("-log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger writes text or JSON records to w. Whatever a caller passes
// under a secret's name (token, password, key, cookie) is replaced by a
// fingerprint, as a second line of defence: the proxy logs tokens only as
// token.Fingerprint in the first place, and never a request's query.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	lvl, err := parseLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: redact}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

func redact(groups []string, a slog.Attr) slog.Attr {
	switch strings.ToLower(a.Key) {
	case "token", "password", "secret", "key", "cookie", "authorization":
		if a.Value.Kind() == slog.KindString {
			return slog.String(a.Key, "redacted:"+token.Fingerprint(a.Value.String()))
		}
	}
	return a
}

//go:build !js

package main

import (
	"net/http"
	"net/netip"
	"testing"
)

// FuzzRequestHeaders: the request headers serve parses itself
// (X-Forwarded-For, Accept-Encoding, the token in query and cookie)
// never panic, and the client address is always a valid address.
func FuzzRequestHeaders(f *testing.F) {
	f.Add("10.0.0.2:5000", "203.0.113.9, 10.0.0.3", "gzip;q=0.5, br", "token=a%0A&token=b", "token=c")
	f.Add("[::1]:1", "[2001:db8::1]:443, garbage", "*;q=0", "token", "token")
	f.Add("x", ",,,", ";;q=;", "%zz", "=;=")
	trusted, _ := parseAllow([]string{"10.0.0.0/8", "::1"})
	f.Fuzz(func(t *testing.T, remote, xff, accept, query, cookie string) {
		r, err := http.NewRequest("GET", "http://h/websockify", nil)
		if err != nil {
			t.Skip()
		}
		r.RemoteAddr = remote
		r.URL.RawQuery = query
		r.Header.Set("X-Forwarded-For", xff)
		r.Header.Set("Accept-Encoding", accept)
		r.Header.Set("Cookie", cookie)
		a := clientAddr(r, trusted)
		if _, err := netip.ParseAddrPort(remote); err == nil && !a.IsValid() {
			t.Fatalf("client address %v from %q, %q", a, remote, xff)
		}
		acceptedEncodings(r.Header.Values("Accept-Encoding"))
		if tok := requestToken(r); tok != "" && len(tok) > len(query)+len(cookie) {
			t.Fatalf("token %q longer than its sources", tok)
		}
	})
}

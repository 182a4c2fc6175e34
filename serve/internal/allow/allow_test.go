package allow

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec string
		want string // Rule.String(), or "error"
	}{
		{"10.0.0.0/8:5900-5999", "10.0.0.0/8:5900-5999"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"192.0.2.7:5900", "192.0.2.7/32:5900"},
		{"192.0.2.7", "192.0.2.7/32"},
		{"[fd00::/8]:5900-5999", "[fd00::/8]:5900-5999"},
		{"fd00::/8:5900", "[fd00::/8]:5900"},
		{"fd00::1", "fd00::1/128"},
		{"[fd00::1]:1", "[fd00::1/128]:1"},
		{"::ffff:10.0.0.0/104:5900", "10.0.0.0/8:5900"},
		{" 127.0.0.1:1-65535 ", "127.0.0.1/32:1-65535"},
		{"", "error"},
		{"10.0.0.0/33", "error"},
		{"10.0.0.0/8:", "error"},
		{"10.0.0.0/8:0", "error"},
		{"10.0.0.0/8:65536", "error"},
		{"10.0.0.0/8:6000-5900", "error"},
		{"10.0.0.0/8:+5", "error"},
		{"10.0.0.0/8:5900-", "error"},
		{"host.example:5900", "error"},
		{"[fd00::1]", "fd00::1/128"},
		{"[fd00::1]5900", "error"},
		{"[fd00::1", "error"},
		{"fe80::1%eth0", "error"},
		{"[fe80::/10%eth0]:1", "error"},
		{"::ffff:0:0/95", "::fffe:0:0/95"}, // an IPv6 rule: IPv4 addresses, mapped or not, match IPv4 rules only
	}
	for _, tt := range tests {
		l, err := Parse([]string{tt.spec})
		if tt.want == "error" {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want an error", tt.spec, l.Rules())
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.spec, err)
			continue
		}
		if got := l.Rules()[0].String(); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.spec, got, tt.want)
		}
	}
	if _, err := Parse(nil); err == nil {
		t.Error("Parse(nil): no error")
	}
}

func TestAllows(t *testing.T) {
	l, err := Parse([]string{"10.0.0.0/8:5900-5999", "192.0.2.7:6000", "fd00::/8:5900", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ap   string
		want bool
	}{
		{"10.1.2.3:5900", true},
		{"10.1.2.3:5999", true},
		{"10.1.2.3:6000", false},
		{"10.1.2.3:22", false},
		{"11.0.0.1:5900", false},
		{"192.0.2.7:6000", true},
		{"192.0.2.8:6000", false},
		{"[::ffff:10.0.0.1]:5900", true}, // mapped: checked as IPv4
		{"[::ffff:11.0.0.1]:5900", false},
		{"[fd12::1]:5900", true},
		{"[fd12::1]:5901", false},
		{"[fe80::1]:5900", false},
		{"127.0.0.1:22", true}, // no ports: any
		{"127.0.0.2:22", false},
	}
	for _, tt := range tests {
		if got := l.Allows(netip.MustParseAddrPort(tt.ap)); got != tt.want {
			t.Errorf("Allows(%s) = %v, want %v", tt.ap, got, tt.want)
		}
	}
	// Never dialed, whatever the list: even the nil list, and a list
	// admitting everything.
	all, _ := Parse([]string{"0.0.0.0/0", "::/0"})
	for _, ap := range []string{"0.0.0.0:5900", "[::]:5900", "224.0.0.1:5900", "255.255.255.255:5900", "[ff02::1]:5900", "10.0.0.1:0", "[::ffff:0.0.0.0]:5900"} {
		for _, l := range []*List{nil, all} {
			if l.Allows(netip.MustParseAddrPort(ap)) {
				t.Errorf("%v allows %s", l.Rules(), ap)
			}
		}
	}
	var nilList *List
	if !nilList.Allows(netip.MustParseAddrPort("203.0.113.9:5900")) {
		t.Error("the nil list refuses a unicast address")
	}
}

// fakeDNS answers from a map, and counts lookups.
type fakeDNS struct {
	names map[string][]string
	calls int
}

func (f *fakeDNS) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	f.calls++
	addrs, ok := f.names[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestResolve(t *testing.T) {
	l, _ := Parse([]string{"10.0.0.0/8:5900-5999"})
	dns := &fakeDNS{names: map[string][]string{
		"vm.example":     {"10.0.0.5"},
		"mixed.example":  {"169.254.169.254", "10.0.0.6", "127.0.0.1"},
		"outside":        {"127.0.0.1", "169.254.169.254"},
		"mapped.example": {"::ffff:10.0.0.7"},
		"empty.example":  {},
	}}
	tests := []struct {
		host   string
		port   uint16
		want   string // addresses, or a reason
		lookup bool
	}{
		{"vm.example", 5900, "10.0.0.5:5900", true},
		{"mixed.example", 5900, "10.0.0.6:5900", true}, // only the allowed address is dialed
		{"mapped.example", 5900, "10.0.0.7:5900", true},
		{"outside", 5900, string(ReasonNotAllowed), true},
		{"vm.example", 22, string(ReasonNotAllowed), true},
		{"nowhere.example", 5900, string(ReasonUnresolvable), true},
		{"empty.example", 5900, string(ReasonUnresolvable), true},
		{"10.0.0.9", 5900, "10.0.0.9:5900", false}, // literals need no lookup
		{"::ffff:10.0.0.9", 5900, "10.0.0.9:5900", false},
		{"127.0.0.1", 5900, string(ReasonNotAllowed), false},
		{"a/b", 5900, string(ReasonUnresolvable), false},
		{"a@b", 5900, string(ReasonUnresolvable), false},
	}
	for _, tt := range tests {
		before := dns.calls
		got, err := l.Resolve(context.Background(), dns, tt.host, tt.port)
		var s []string
		for _, ap := range got {
			s = append(s, ap.String())
		}
		var e *Error
		if errors.As(err, &e) {
			s = []string{string(e.Reason)}
		} else if err != nil {
			t.Errorf("Resolve(%s): untyped error %v", tt.host, err)
		}
		if strings.Join(s, ",") != tt.want {
			t.Errorf("Resolve(%s, %d) = %v (%v), want %s", tt.host, tt.port, s, err, tt.want)
		}
		if looked := dns.calls > before; looked != tt.lookup {
			t.Errorf("Resolve(%s): looked up %v, want %v", tt.host, looked, tt.lookup)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8:5900-5999", "[fd00::/8]:1", "fd00::/8:5900", "1.2.3.4", "::ffff:1.2.3.4/120:1-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse([]string{s})
		if err != nil {
			return
		}
		r := l.Rules()[0]
		if r.Lo == 0 || r.Hi < r.Lo || !r.Prefix.IsValid() {
			t.Fatalf("Parse(%q) = %+v", s, r)
		}
		// The rule's own text parses to the same rule.
		l2, err := Parse([]string{r.String()})
		if err != nil || l2.Rules()[0] != r {
			t.Fatalf("Parse(%q) = %s, which reparses to %v, %v", s, r, l2.Rules(), err)
		}
	})
}

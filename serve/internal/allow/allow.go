// Package allow bounds where the proxy may connect: a list of networks
// and port ranges (serve's -allow-targets), checked against the
// addresses a target name resolves to, which are then the only addresses
// dialed. Checking a name and letting the dialer resolve it again would
// let a DNS answer that changes between the two (DNS rebinding) lead
// anywhere.
package allow

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// MaxAddrs bounds how many resolved addresses a target may have; the rest
// are ignored.
const MaxAddrs = 16

// Rule admits one network and a range of ports.
type Rule struct {
	Prefix  netip.Prefix
	Lo, Hi  uint16 // inclusive
	AnyPort bool   // no ports were given: any port
}

func (r Rule) String() string {
	p := r.Prefix.String()
	if r.AnyPort {
		return p
	}
	if r.Prefix.Addr().Is6() {
		p = "[" + p + "]"
	}
	if r.Lo == r.Hi {
		return p + ":" + strconv.Itoa(int(r.Lo))
	}
	return fmt.Sprintf("%s:%d-%d", p, r.Lo, r.Hi)
}

// List is a set of rules. A nil List admits every unicast address (used
// where the operator wrote every target, as in a token file, and chose
// not to restrict them further).
type List struct {
	rules []Rule
}

// Parse reads rules such as
//
//	10.0.0.0/8:5900-5999   a network and a port range
//	192.0.2.7:5900         one address and one port
//	172.16.0.0/12          a network, any port
//	[fd00::/8]:5900-5999   IPv6 in brackets when ports follow
//	fd00::/8:5900          (or after the prefix length)
//
// An empty spec list is an error: say what is allowed.
func Parse(specs []string) (*List, error) {
	if len(specs) == 0 {
		return nil, errors.New("no targets listed")
	}
	l := &List{}
	for _, s := range specs {
		r, err := parseRule(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("allowed target %q: %v (want CIDR[:port[-port]], e.g. 10.0.0.0/8:5900-5999 or [fd00::/8]:5900)", s, err)
		}
		l.rules = append(l.rules, r)
	}
	return l, nil
}

// Rules are the list's rules, for logging.
func (l *List) Rules() []Rule {
	if l == nil {
		return nil
	}
	return l.rules
}

func parseRule(s string) (Rule, error) {
	var addr, ports string
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Rule{}, errors.New("missing ]")
		}
		addr, ports = s[1:end], s[end+1:]
		if ports != "" {
			if ports[0] != ':' {
				return Rule{}, errors.New("text after ]")
			}
			ports = ports[1:]
			if ports == "" {
				return Rule{}, errors.New("empty port")
			}
		}
	case strings.Contains(s, "/"):
		slash := strings.IndexByte(s, '/')
		bits, p, hasPorts := strings.Cut(s[slash+1:], ":")
		addr = s[:slash+1] + bits
		if hasPorts {
			if p == "" {
				return Rule{}, errors.New("empty port")
			}
			ports = p
		}
	case strings.Count(s, ":") == 1:
		addr, ports, _ = strings.Cut(s, ":")
		if ports == "" {
			return Rule{}, errors.New("empty port")
		}
	default:
		addr = s
	}
	var r Rule
	if strings.Contains(addr, "/") {
		p, err := netip.ParsePrefix(addr)
		if err != nil {
			return Rule{}, err
		}
		if p.Addr().Zone() != "" {
			return Rule{}, errors.New("zones are not allowed")
		}
		r.Prefix = p.Masked()
	} else {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return Rule{}, err
		}
		if a.Zone() != "" {
			return Rule{}, errors.New("zones are not allowed")
		}
		r.Prefix = netip.PrefixFrom(a, a.BitLen())
	}
	if r.Prefix.Addr().Is4In6() {
		a := r.Prefix.Addr().Unmap()
		bits := r.Prefix.Bits() - 96
		if bits < 0 {
			return Rule{}, errors.New("an IPv4-mapped prefix shorter than ::ffff:0:0/96")
		}
		r.Prefix = netip.PrefixFrom(a, bits).Masked()
	}
	if ports == "" {
		r.AnyPort, r.Lo, r.Hi = true, 1, 65535
		return r, nil
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	var err error
	if r.Lo, err = parsePort(lo); err != nil {
		return Rule{}, err
	}
	r.Hi = r.Lo
	if isRange {
		if r.Hi, err = parsePort(hi); err != nil {
			return Rule{}, err
		}
		if r.Hi < r.Lo {
			return Rule{}, errors.New("port range ends before it starts")
		}
	}
	return r, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 || s[0] == '+' {
		return 0, fmt.Errorf("invalid port %q", s)
	}
	return uint16(n), nil
}

// Allows reports whether ap may be dialed. Addresses no proxy should
// dial (unspecified, multicast, broadcast) are refused whatever the
// list says. IPv4-mapped IPv6 addresses are checked as the IPv4 address
// they are, so IPv4 addresses match IPv4 rules only.
func (l *List) Allows(ap netip.AddrPort) bool {
	a := ap.Addr().Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || a.Zone() != "" || ap.Port() == 0 {
		return false
	}
	if l == nil {
		return true
	}
	for _, r := range l.rules {
		if r.Prefix.Contains(a) && ap.Port() >= r.Lo && ap.Port() <= r.Hi {
			return true
		}
	}
	return false
}

// Resolver looks up a host name (net.Resolver does).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Reason says why a target was refused, for metrics and logs.
type Reason string

const (
	ReasonNotAllowed   Reason = "target_not_allowed"
	ReasonUnresolvable Reason = "target_unresolvable"
)

// Error is a refused target.
type Error struct {
	Reason Reason
	Detail string
}

func (e *Error) Error() string { return string(e.Reason) + ": " + e.Detail }

// lookupTimeout bounds a name lookup when ctx has no earlier deadline.
const lookupTimeout = 5 * time.Second

// Resolve returns the addresses of host:port that the list allows, in
// the resolver's order: dial these and nothing else. An IP literal is
// checked as it is.
func (l *List) Resolve(ctx context.Context, r Resolver, host string, port uint16) ([]netip.AddrPort, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		ap := netip.AddrPortFrom(a.Unmap(), port)
		if !l.Allows(ap) {
			return nil, &Error{ReasonNotAllowed, ap.String() + " is not in the allowed targets"}
		}
		return []netip.AddrPort{ap}, nil
	}
	if host == "" || strings.ContainsAny(host, "/@%: \t") {
		return nil, &Error{ReasonUnresolvable, fmt.Sprintf("invalid host name %q", host)}
	}
	ctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			err = errors.New(dnsErr.Err)
		}
		return nil, &Error{ReasonUnresolvable, fmt.Sprintf("%s: %v", host, err)}
	}
	var ok []netip.AddrPort
	var refused []string
	for i, a := range addrs {
		if i == MaxAddrs {
			break
		}
		ap := netip.AddrPortFrom(a.Unmap(), port)
		if l.Allows(ap) {
			ok = append(ok, ap)
		} else {
			refused = append(refused, ap.String())
		}
	}
	if len(ok) == 0 {
		if len(refused) == 0 {
			return nil, &Error{ReasonUnresolvable, host + ": no addresses"}
		}
		return nil, &Error{ReasonNotAllowed, fmt.Sprintf("%s resolves to %s, not in the allowed targets", host, strings.Join(refused, ", "))}
	}
	return ok, nil
}

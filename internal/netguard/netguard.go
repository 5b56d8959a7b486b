// Package netguard keeps outgoing requests to operator-configured URLs
// (webhooks) away from the machine's own and its network's services:
// loopback, private ranges, link-local addresses (where clouds serve instance
// metadata and credentials) and the other special-purpose ranges. A tenant
// admin could otherwise point a webhook at http://169.254.169.254/ or at an
// internal service and make ccflow call it (server-side request forgery).
//
// Two checks, both skipped when the operator allows private targets
// (CCFLOW_WEBHOOK_ALLOW_PRIVATE=true):
//
//   - CheckURL, when a URL is saved: a host that is such an IP literal or a
//     local name (localhost, *.localhost, *.local, *.internal, *.home.arpa)
//     is refused. Other names are not resolved then: DNS may say something
//     else by the time a request goes out.
//   - Guard, on every connection: its dialer's Control hook sees the address
//     the connection is actually made to, after DNS, so a name that resolves
//     (or is rebound) to a forbidden address is refused there.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is a connection or URL refused because its address is
// not a public one.
var ErrForbiddenAddress = errors.New("address is not a public one")

// forbidden are the ranges that are not the public internet (RFC 6890 and
// its successors), besides what netip's predicates already cover.
var forbidden = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // TEST-NET-1
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // TEST-NET-2
	netip.MustParsePrefix("203.0.113.0/24"),  // TEST-NET-3
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("2002::/16"),       // 6to4, which embeds any IPv4 address
}

// Public tells whether ip is an ordinary public unicast address.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range forbidden {
		if p.Contains(ip) {
			return false
		}
	}
	// NAT64 (64:ff9b::/96) embeds an IPv4 address: judge that one.
	if ip.Is6() {
		if nat64 := netip.MustParsePrefix("64:ff9b::/96"); nat64.Contains(ip) {
			b := ip.As16()
			return Public(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		}
	}
	return true
}

// localSuffixes name hosts that are never on the public internet.
var localSuffixes = []string{".localhost", ".local", ".internal", ".home.arpa", ".localdomain"}

// CheckURL refuses a URL whose host is a non-public IP literal or a local
// name, unless allowPrivate. It does not resolve names (see the package doc).
func CheckURL(raw string, allowPrivate bool) error {
	if allowPrivate {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("netguard: %w", err)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if ip, err := netip.ParseAddr(host); err == nil {
		if !Public(ip) {
			return fmt.Errorf("%w: %s is a loopback, private, link-local or reserved address", ErrForbiddenAddress, host)
		}
		return nil
	}
	if legacy := net.ParseIP(host); legacy != nil { // forms netip refuses, e.g. with a zone
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, host)
	}
	if host == "localhost" || !strings.Contains(host, ".") {
		return fmt.Errorf("%w: %s is a local host name", ErrForbiddenAddress, host)
	}
	for _, s := range localSuffixes {
		if strings.HasSuffix(host, s) {
			return fmt.Errorf("%w: %s is a local host name", ErrForbiddenAddress, host)
		}
	}
	// Decimal, octal or hex spellings of an IPv4 address (http://2130706433/)
	// are caught at connect time: the resolver turns them into the address.
	return nil
}

// Control is a net.Dialer Control hook that refuses to connect to a
// non-public address unless allowPrivate. It runs after name resolution, for
// each address tried, so it also defeats DNS rebinding.
func Control(allowPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("netguard: %w", err)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: cannot tell the address of %q", ErrForbiddenAddress, address)
		}
		if !Public(ip) {
			return fmt.Errorf("%w: refusing to connect to %s (set CCFLOW_WEBHOOK_ALLOW_PRIVATE=true to allow it)", ErrForbiddenAddress, ip)
		}
		return nil
	}
}

// Dialer is a dialer guarded by Control.
func Dialer(allowPrivate bool) *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: Control(allowPrivate)}
}

// Guard returns a copy of client whose connections go through a guarded
// dialer: webhooks use it as
//
//	netguard.Guard(activities.NewWebhookClient(), cfg.WebhookAllowPrivate)
//
// It keeps client's timeout and redirect policy. Its transport never uses
// an HTTP proxy from the environment, since the guard would then judge the
// proxy's address instead of the target's.
func Guard(client *http.Client, allowPrivate bool) *http.Client {
	out := *client
	t := http.DefaultTransport.(*http.Transport).Clone()
	if base, ok := client.Transport.(*http.Transport); ok && base != nil {
		t = base.Clone()
	}
	t.Proxy = nil
	t.DialContext = Dialer(allowPrivate).DialContext
	out.Transport = t
	return &out
}

package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Non-public address ranges a download may not connect to unless
// Opener.AllowPrivateURLs is set, beyond what netip.Addr's predicates
// cover (loopback, private, link-local, multicast, unspecified).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // CGNAT shared address space
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the limited broadcast address
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64 (RFC 8215): where the IPv4 address sits depends on the operator
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96") // well-known NAT64 (RFC 6052), IPv4 in the last 4 bytes
	sixToFour   = netip.MustParsePrefix("2002::/16")    // 6to4 (RFC 3056), IPv4 in bytes 2-5
)

// PublicAddr reports whether a download may connect to a: a global unicast
// address outside every special-purpose range. IPv4-mapped, well-known
// NAT64 (RFC 6052) and 6to4 addresses are judged by the IPv4 address they
// carry.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64Prefix.Contains(a):
			return PublicAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return PublicAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	// Not global unicast: invalid, unspecified, loopback, link-local,
	// multicast, the IPv4 broadcast address.
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// errPrivate is returned by the dialer for a non-public address.
type errPrivate struct{ addr string }

func (e *errPrivate) Error() string {
	return fmt.Sprintf("connection to %s refused: not a public address (loopback, private, link-local, CGNAT, multicast or reserved); the server's --allow-private-urls permits it", e.addr)
}

func (e *errPrivate) Is(target error) bool { return target == ErrRefused }

func (o *Opener) maxBytes() int64 {
	if o.MaxDownloadBytes > 0 {
		return o.MaxDownloadBytes
	}
	return DefaultMaxDownloadBytes
}

// checkRedirect allows at most 5 redirects, to http(s) only.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > 5 { // len(via) is the number of this redirect

		return errors.New("more than 5 redirects")
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return &refused{fmt.Sprintf("redirect to a %s: URL refused; only http(s) is fetched", req.URL.Scheme)}
	}
	return nil
}

func (o *Opener) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	public := func(ip net.IP) bool {
		a, ok := netip.AddrFromSlice(ip)
		return ok && PublicAddr(a)
	}
	if o.publicForTest != nil {
		public = o.publicForTest
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Resolver: o.Resolver}
	proxy := http.ProxyFromEnvironment
	if !o.AllowPrivateURLs {
		// The check runs on the address actually dialled, after DNS
		// resolution, for every connection (every redirect too), so a name
		// that resolves, or rebinds, to a private address is caught. A
		// proxy would dial on our behalf, so none is used.
		d.Control = func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			if ip := net.ParseIP(host); ip == nil || !public(ip) {
				return &errPrivate{host}
			}
			return nil
		}
		proxy = nil
	}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 proxy,
			DialContext:           d.DialContext,
			TLSHandshakeTimeout:   15 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			IdleConnTimeout:       30 * time.Second,
			DisableKeepAlives:     true, // one download per client: nothing to keep
			DisableCompression:    true, // the body is the capture as served; gzip captures are read as such
		},
		CheckRedirect: checkRedirect,
	}
}

func (o *Opener) download(ctx context.Context, ref string) (*Source, error) {
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("capture URL %q is not a valid http(s) URL", ref)
	}
	if u.User != nil {
		return nil, fmt.Errorf("capture URL %q: credentials in URLs are not sent; use a URL without user:password@", ref)
	}
	timeout := o.DownloadTimeout
	if timeout <= 0 {
		timeout = DefaultDownloadTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("capture URL %q: %v", ref, err)
	}
	if o.UserAgent != "" {
		req.Header.Set("User-Agent", o.UserAgent)
	}
	resp, err := o.client().Do(req)
	if err != nil {
		cancel()
		var priv *errPrivate
		var ref2 *refused
		switch {
		case errors.As(err, &priv):
			return nil, &refused{fmt.Sprintf("download %q: %v", ref, priv)}
		case errors.As(err, &ref2):
			return nil, &refused{fmt.Sprintf("download %q: %v", ref, ref2)}
		case errors.Is(err, context.DeadlineExceeded):
			return nil, fmt.Errorf("download %q: no answer within %v", ref, timeout)
		}
		return nil, fmt.Errorf("download %q: %v", ref, unwrapURLError(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("download %q: the server answered %s", ref, resp.Status)
	}
	max := o.maxBytes()
	if resp.ContentLength > max {
		resp.Body.Close()
		cancel()
		return nil, errTooLarge(ref, max, resp.ContentLength)
	}
	body := &limitedBody{rc: resp.Body, left: max, max: max, ref: ref, timeout: timeout, cancel: cancel}
	return &Source{ReadCloser: body, Name: ref, Size: resp.ContentLength, Remote: true}, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// limitedBody is a response body that fails once more than max bytes arrive,
// and reports the download deadline in words.
type limitedBody struct {
	rc      io.ReadCloser
	left    int64
	max     int64
	ref     string
	timeout time.Duration
	cancel  context.CancelFunc
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Anything more than max is too much; probe for one more byte.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errTooLarge(b.ref, b.max, 0)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("download %q: not finished within %v", b.ref, b.timeout)
	}
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

package capture

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// errPrivate is what the dialer returns for a non-public address. Its
// message names no address: what a name resolves to inside the server's
// network is not the caller's to learn. The address goes to the server log
// through the error's Detail.
type errPrivate struct{ addr string }

func (e *errPrivate) Error() string {
	return "not a public address (the URL leads to a loopback, private, link-local or other special-purpose address); the server's --allow-private-urls permits it"
}

func (e *errPrivate) Is(target error) bool { return target == ErrRefused }

// detailed is an error whose message is written for the caller, with the
// facts behind it (addresses, resolver answers) kept for the server log:
// front ends log Detail, callers see Error.
type detailed struct {
	msg    string
	detail string
	kind   error // a sentinel errors.Is matches, or nil
}

func (e *detailed) Error() string        { return e.msg }
func (e *detailed) Detail() string       { return e.detail }
func (e *detailed) Is(target error) bool { return e.kind != nil && target == e.kind }

// Transport timeouts of the default download client.
const (
	connectTimeout = 30 * time.Second
	tlsTimeout     = 15 * time.Second
	headerTimeout  = 30 * time.Second
)

// errTooManyRedirects ends a redirect chain.
var errTooManyRedirects = errors.New("more than 5 redirects")

func (o *Opener) headerWait() time.Duration {
	if o.headerTimeout > 0 {
		return o.headerTimeout
	}
	return headerTimeout
}

func (o *Opener) maxBytes() int64 {
	if o.MaxDownloadBytes > 0 {
		return o.MaxDownloadBytes
	}
	return DefaultMaxDownloadBytes
}

// checkRedirect allows at most 5 redirects, to http(s) only.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > 5 { // len(via) is the number of this redirect
		return errTooManyRedirects
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
	d := &net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second, Resolver: o.Resolver}
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
			TLSHandshakeTimeout:   tlsTimeout,
			ResponseHeaderTimeout: o.headerWait(),
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
	dctx, cancel := context.WithTimeout(ctx, timeout)
	dl := &dlState{ref: ref, timeout: timeout, headerWait: o.headerWait(), call: ctx, dl: dctx}
	req, err := http.NewRequestWithContext(dctx, http.MethodGet, u.String(), nil)
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
		return nil, dl.failed(err)
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
	body := &limitedBody{rc: resp.Body, left: max, max: max, dl: dl, cancel: cancel}
	return &Source{ReadCloser: body, Name: ref, Size: resp.ContentLength, Remote: true, Identity: urlIdentity(resp)}, nil
}

// dlState is what a download's errors are phrased from.
type dlState struct {
	ref        string
	timeout    time.Duration
	headerWait time.Duration
	call       context.Context // the tool call's context
	dl         context.Context // the call's context with the download deadline
}

// failed phrases a failed request or body read for the caller: what went
// wrong in general terms, never an address or a resolver's name (those go
// to the server log through Detail). It keeps the context error of a call
// that ended, so that front ends can tell a cancelled call.
func (d *dlState) failed(err error) error {
	var (
		priv *errPrivate
		ref  *refused
		dns  *net.DNSError
		ne   net.Error
	)
	detail := fmt.Sprintf("download %q: %v", d.ref, err)
	general := func(what string) error {
		return &detailed{msg: fmt.Sprintf("download %q: %s", d.ref, what), detail: detail}
	}
	switch {
	case errors.As(err, &priv):
		return &detailed{msg: fmt.Sprintf("download %q: refused: %v", d.ref, priv), detail: detail, kind: ErrRefused}
	case errors.As(err, &ref):
		return &refused{fmt.Sprintf("download %q: %v", d.ref, ref)}
	case errors.Is(err, errTooManyRedirects):
		return fmt.Errorf("download %q: %w", d.ref, errTooManyRedirects)
	case errors.Is(err, ErrTooLarge):
		return err
	case d.call.Err() != nil:
		return fmt.Errorf("download %q: stopped: %w", d.ref, d.call.Err())
	case errors.Is(d.dl.Err(), context.DeadlineExceeded):
		return general(fmt.Sprintf("not finished within %v (the server's --download-timeout)", d.timeout))
	case errors.As(err, &dns):
		if dns.IsTimeout {
			return general("the host name could not be resolved: the lookup timed out")
		}
		return general("the host name could not be resolved")
	case errors.As(err, &ne) && ne.Timeout():
		msg := err.Error()
		switch {
		case strings.Contains(msg, "awaiting response headers"):
			return general(fmt.Sprintf("the server sent no response headers within %v", d.headerWait))
		case strings.Contains(msg, "TLS handshake"):
			return general(fmt.Sprintf("the TLS handshake did not finish within %v", tlsTimeout))
		case strings.Contains(msg, "dial"):
			return general(fmt.Sprintf("could not connect within %v", connectTimeout))
		}
		return general("the connection timed out")
	case errors.Is(err, syscall.ECONNREFUSED):
		return general("the server refused the connection")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return general("the connection was reset")
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return general("the host is unreachable")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return general("the connection closed before the download finished")
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknownCA):
		return general("the server's TLS certificate is signed by an unknown authority")
	case errors.As(err, &hostname):
		return general("the server's TLS certificate is not valid for this host name")
	case errors.As(err, &invalid):
		return general("the server's TLS certificate is not valid (expired, not yet valid or not for serving)")
	case errors.As(err, &record):
		return general("the server does not speak TLS (try http://)")
	}
	return general("the download failed (the server log has the details)")
}

// limitedBody is a response body that fails once more than max bytes arrive,
// and phrases read errors as dlState.failed does.
type limitedBody struct {
	rc     io.ReadCloser
	left   int64
	max    int64
	dl     *dlState
	cancel context.CancelFunc
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Anything more than max is too much; probe for one more byte.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, errTooLarge(b.dl.ref, b.max, 0)
		}
		if err != nil && err != io.EOF {
			err = b.dl.failed(err)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		err = b.dl.failed(err)
	}
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// urlIdentity names a response's body by its final URL and the validators
// the server sent (RFC 9110 §8.8), with its length; "" when the server sent
// no validator, since then nothing tells one version from the next.
func urlIdentity(resp *http.Response) string {
	etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" && modified == "" || resp.Request == nil || resp.Request.URL == nil {
		return ""
	}
	return fmt.Sprintf("url %q etag %q modified %q length %d", resp.Request.URL.String(), etag, modified, resp.ContentLength)
}

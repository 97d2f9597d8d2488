package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for Opener limits.
const (
	DefaultMaxDownloadBytes = 1 << 30         // 1 GiB
	DefaultDownloadTimeout  = 5 * time.Minute // whole download, connect to last byte
)

// ErrTooLarge means a download went past Opener.MaxDownloadBytes.
var ErrTooLarge = errors.New("capture: download exceeds the size limit")

// tooLarge is an ErrTooLarge with a message for the caller.
type tooLarge struct{ msg string }

func (e *tooLarge) Error() string        { return e.msg }
func (e *tooLarge) Is(target error) bool { return target == ErrTooLarge }

func errTooLarge(ref string, limit int64, announced int64) error {
	what := "more than"
	if announced > 0 {
		what = fmt.Sprintf("%d bytes announced, over", announced)
	}
	return &tooLarge{fmt.Sprintf("download %q: %s the limit of %d bytes; the server's --max-download-bytes sets it", ref, what, limit)}
}

// Source is an opened capture byte stream: a local file or an HTTP response
// body. Close releases it (and, for a download, its deadline).
type Source struct {
	io.ReadCloser
	Name   string // the reference as the caller gave it
	Size   int64  // total bytes when known, else -1
	Remote bool   // fetched over http(s)
}

// Opener turns a capture reference (a local path, or an http/https URL) into a
// byte stream. The zero value works, with the default limits. The opener is
// where access policy lives: which files may be read and which URLs fetched.
type Opener struct {
	// MaxDownloadBytes caps a download; <= 0 means DefaultMaxDownloadBytes.
	MaxDownloadBytes int64
	// DownloadTimeout bounds a whole download; <= 0 means DefaultDownloadTimeout.
	DownloadTimeout time.Duration
	// Client fetches URLs; nil means a client with sane transport timeouts.
	Client *http.Client
	// UserAgent is sent with downloads.
	UserAgent string
}

// IsURL reports whether ref names a remote capture (an http or https URL).
func IsURL(ref string) bool {
	l := strings.ToLower(ref)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Open opens the capture that ref names. Errors are written for the person or
// model that gave ref: they say what is wrong and how to fix it.
func (o *Opener) Open(ctx context.Context, ref string) (*Source, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, errors.New("no capture given: pcap_file must be a file path or an http(s) URL")
	}
	if IsURL(ref) {
		return o.download(ctx, ref)
	}
	if i := strings.Index(ref, "://"); i > 0 && !strings.ContainsAny(ref[:i], `/\.`) {
		return nil, fmt.Errorf("capture %q: only local paths and http(s) URLs are supported, not %s://", ref, ref[:i])
	}
	return openLocal(ref)
}

func openLocal(ref string) (*Source, error) {
	f, err := os.Open(ref)
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if filepath.IsAbs(ref) {
				return nil, fmt.Errorf("capture %q: no such file", ref)
			}
			wd, _ := os.Getwd()
			return nil, fmt.Errorf("capture %q: no such file (a relative path is resolved against the server's working directory %q; give an absolute path)", ref, wd)
		case errors.Is(err, fs.ErrPermission):
			return nil, fmt.Errorf("capture %q: permission denied", ref)
		}
		return nil, fmt.Errorf("capture %q: %v", ref, unwrapPathError(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("capture %q: %v", ref, unwrapPathError(err))
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("capture %q: is a directory; give the path of a capture file inside it", ref)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("capture %q: not a regular file", ref)
	}
	return &Source{ReadCloser: f, Name: ref, Size: st.Size()}, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (o *Opener) maxBytes() int64 {
	if o.MaxDownloadBytes > 0 {
		return o.MaxDownloadBytes
	}
	return DefaultMaxDownloadBytes
}

func (o *Opener) client() *http.Client {
	if o.Client != nil {
		return o.Client
	}
	return defaultClient
}

var defaultClient = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       30 * time.Second,
		MaxIdleConns:          4,
	},
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to a %s: URL", req.URL.Scheme)
		}
		return nil
	},
}

func (o *Opener) download(ctx context.Context, ref string) (*Source, error) {
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("capture URL %q is not a valid http(s) URL", ref)
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
		if errors.Is(err, context.DeadlineExceeded) {
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
	if err != nil && err != io.EOF && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("download %q: not finished within %v", b.ref, b.timeout)
	}
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

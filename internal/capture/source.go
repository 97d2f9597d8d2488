package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Defaults for Opener limits.
const (
	DefaultMaxDownloadBytes     = 1 << 30         // 1 GiB
	DefaultMaxDecompressedBytes = 16 << 30        // 16 GiB
	DefaultDownloadTimeout      = 5 * time.Minute // whole download, connect to last byte
)

// ErrTooLarge means a download went past Opener.MaxDownloadBytes, or a
// compressed capture expanded past its decompression limit.
var ErrTooLarge = errors.New("capture: over the size limit")

// ErrRefused means the access policy refused a reference: a path outside
// the allowed roots, a special file, a URL when remote captures are off, or
// a URL that leads to a private address.
var ErrRefused = errors.New("capture: refused by the access policy")

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

// refused is an ErrRefused with a message for the caller.
type refused struct{ msg string }

func (e *refused) Error() string        { return e.msg }
func (e *refused) Is(target error) bool { return target == ErrRefused }

// Source is an opened capture byte stream: a local file or an HTTP response
// body. Close releases it (and, for a download, its deadline).
type Source struct {
	io.ReadCloser
	Name   string // the reference as the caller gave it
	Size   int64  // total bytes when known, else -1
	Remote bool   // fetched over http(s)
	// Identity names these exact bytes, or is "" when nothing does (see
	// analyzer.Source.Identity): a file's device, inode, size and
	// modification time; a download's final URL with its validators.
	Identity string
}

// Opener turns a capture reference (a local path, or an http/https URL) into a
// byte stream. It is where access policy lives: which files may be read
// (SetRoots) and which URLs fetched (NoRemote, AllowPrivateURLs). The zero
// value reads any regular file the process can, and fetches public URLs
// only, with the default limits.
type Opener struct {
	// MaxDownloadBytes caps a download; <= 0 means DefaultMaxDownloadBytes.
	MaxDownloadBytes int64
	// DownloadTimeout bounds a whole download; <= 0 means DefaultDownloadTimeout.
	DownloadTimeout time.Duration
	// NoRemote refuses URLs.
	NoRemote bool
	// AllowPrivateURLs lets downloads reach loopback, private, link-local,
	// CGNAT, multicast and other non-public addresses, and use the proxy
	// the environment names. Off, every address a download connects to,
	// after DNS resolution and on every redirect, must be public.
	AllowPrivateURLs bool
	// Client fetches URLs; nil means a client with sane transport timeouts
	// and the address check above. A caller-supplied client is used as is.
	Client *http.Client
	// Resolver resolves host names for downloads; nil means the system's.
	Resolver *net.Resolver
	// UserAgent is sent with downloads.
	UserAgent string
	// Objects, when set, opens s3:// references (--s3-allow), with the
	// download limits above.
	Objects ObjectStore

	roots []root
	// publicForTest, when set, treats an address as public (tests only).
	publicForTest func(net.IP) bool
	// headerTimeout, when set, replaces headerTimeout (tests only).
	headerTimeout time.Duration
}

// IsURL reports whether ref names a remote capture (an http or https URL).
func IsURL(ref string) bool {
	l := strings.ToLower(ref)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// Open opens the capture that ref names. Errors are written for the person or
// model that gave ref: they say what is wrong and how to fix it, and a
// refusal never says whether the refused file exists.
func (o *Opener) Open(ctx context.Context, ref string) (*Source, error) {
	if strings.TrimSpace(ref) == "" {
		return nil, errors.New("no capture given: pcap_file must be a file path or an http(s) URL")
	}
	if IsURL(ref) {
		if o.NoRemote {
			return nil, &refused{fmt.Sprintf("capture %q: this server does not fetch URLs (--no-remote); give a local path", ref)}
		}
		return o.download(ctx, ref)
	}
	if IsObjectRef(ref) {
		if o.NoRemote {
			return nil, &refused{fmt.Sprintf("capture %q: this server reads local captures only (--no-remote)", ref)}
		}
		return o.openObject(ctx, ref)
	}
	if i := strings.Index(ref, "://"); i > 0 && !strings.ContainsAny(ref[:i], `/\.`) {
		return nil, fmt.Errorf("capture %q: only local paths and http(s) URLs are supported (and s3:// objects where the server allows them), not %s://", ref, ref[:i])
	}
	if strings.ContainsRune(ref, 0) {
		return nil, fmt.Errorf("capture %q: a path cannot contain a NUL byte", ref)
	}
	if len(o.roots) > 0 {
		return o.openInRoots(ref)
	}
	return openLocal(ref)
}

// openFlags open a file without blocking on a FIFO or a device; a regular
// file ignores O_NONBLOCK.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK

func openLocal(ref string) (*Source, error) {
	if st, err := os.Stat(ref); err == nil && !st.Mode().IsRegular() && !st.IsDir() {
		return nil, errNotRegular(ref)
	}
	f, err := os.OpenFile(ref, openFlags, 0)
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
	return checkOpened(f, ref)
}

// checkOpened keeps f only when it is a regular file on an ordinary file
// system (not /proc, /sys and the like), checked on the open file so that
// nothing can be swapped in between.
func checkOpened(f *os.File, ref string) (*Source, error) {
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
		return nil, errNotRegular(ref)
	}
	if pseudoFS(f) {
		f.Close()
		return nil, &refused{fmt.Sprintf("capture %q: is on a kernel pseudo file system (such as /proc or /sys), not a capture", ref)}
	}
	return &Source{ReadCloser: f, Name: ref, Size: st.Size(), Identity: fileIdentity(f, st)}, nil
}

func errNotRegular(ref string) error {
	return &refused{fmt.Sprintf("capture %q: not a regular file (a device, FIFO or socket is never read)", ref)}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

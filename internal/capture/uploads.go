package capture

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Defaults for UploadOptions.
const (
	DefaultMaxUploadBytes   = 1 << 30        // one upload
	DefaultUploadQuotaBytes = 4 << 30        // all uploads kept at once
	DefaultUploadTTL        = 24 * time.Hour // after the last write
	// MaxUploadFiles bounds the uploads kept at once, whatever their size.
	MaxUploadFiles = 10000
	// maxUploadName is the longest name a client may give an upload.
	maxUploadName = 100
	// uploadHead is how much of an upload is read before its content is
	// checked: enough for a gzip header and the first bytes it expands to.
	uploadHead = 64 << 10
	// partialDir holds uploads in progress, inside the upload directory
	// (hidden: list_captures skips it); finished ones are renamed out.
	partialDir = ".partial"
)

// UploadOptions configures the upload store.
type UploadOptions struct {
	// Dir is the directory uploads are stored in (--upload-dir); it is
	// created when missing. It must not be shared with another server.
	Dir string
	// MaxBytes caps one upload, appended parts included; <= 0 means
	// DefaultMaxUploadBytes.
	MaxBytes int64
	// QuotaBytes caps all the uploads kept at once, those in progress
	// included; <= 0 means DefaultUploadQuotaBytes.
	QuotaBytes int64
	// TTL is how long an upload is kept after its last write; <= 0 means
	// DefaultUploadTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now (tests set it).
	Now func() time.Time
}

// Upload is a stored upload.
type Upload struct {
	Name    string    // the generated name: pass it as pcap_file
	Path    string    // absolute path of the file
	Size    int64     // bytes
	Format  string    // pcap, pcapng, pcap.gz or pcapng.gz
	Expires time.Time // when it is removed, unless written to again
}

// Uploads stores uploaded captures under one directory, each under a
// generated name, and removes them TTL after their last write. An upload is
// written to a temporary file under .partial/ and renamed into place only
// once complete, its content checked: an interrupted, oversized or refused
// upload leaves nothing behind.
type Uploads struct {
	dir     string // absolute, symlinks resolved
	partial string
	max     int64
	quota   int64
	ttl     time.Duration
	now     func() time.Time

	mu       sync.Mutex
	stored   int64 // bytes in finished uploads, as of the last scan plus what was added since
	files    int   // finished uploads
	inflight int64 // bytes written by uploads in progress
}

// uploadError is a refused upload, with the HTTP status that says why.
type uploadError struct {
	msg    string
	status int
	kind   error
}

func (e *uploadError) Error() string        { return e.msg }
func (e *uploadError) HTTPStatus() int      { return e.status }
func (e *uploadError) Is(target error) bool { return e.kind != nil && target == e.kind }

// ErrQuota means the upload store is full (--upload-quota-bytes).
var ErrQuota = errors.New("capture: upload quota reached")

// NewUploads opens (creating it when missing) the upload directory, removes
// what an earlier run left half-written and what has expired, and counts
// what it holds against the quota.
func NewUploads(o UploadOptions) (*Uploads, error) {
	if strings.TrimSpace(o.Dir) == "" {
		return nil, errors.New("upload directory: not given")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("upload directory %q: %v", o.Dir, unwrapPathError(err))
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("upload directory %q: %v", o.Dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("upload directory %q: %v", o.Dir, unwrapPathError(err))
	}
	u := &Uploads{dir: real, partial: filepath.Join(real, partialDir), max: o.MaxBytes, quota: o.QuotaBytes, ttl: o.TTL, now: o.Now}
	if u.max <= 0 {
		u.max = DefaultMaxUploadBytes
	}
	if u.quota <= 0 {
		u.quota = DefaultUploadQuotaBytes
	}
	if u.ttl <= 0 {
		u.ttl = DefaultUploadTTL
	}
	if u.now == nil {
		u.now = time.Now
	}
	// No upload is in progress yet: anything under .partial/ was cut off.
	if err := os.RemoveAll(u.partial); err != nil {
		return nil, fmt.Errorf("upload directory %q: %v", o.Dir, unwrapPathError(err))
	}
	if err := os.Mkdir(u.partial, 0o700); err != nil {
		return nil, fmt.Errorf("upload directory %q: %v", o.Dir, unwrapPathError(err))
	}
	u.Sweep()
	return u, nil
}

// Dir is the upload directory (absolute, symlinks resolved).
func (u *Uploads) Dir() string { return u.dir }

// MaxBytes is the cap on one upload.
func (u *Uploads) MaxBytes() int64 { return u.max }

// TTL is how long an upload is kept after its last write.
func (u *Uploads) TTL() time.Duration { return u.ttl }

// expires is when a file last written at mod expires.
func (u *Uploads) expires(mod time.Time) time.Time { return mod.Add(u.ttl) }

func (u *Uploads) expired(mod time.Time) bool { return !u.now().Before(u.expires(mod)) }

// Sweep removes the expired uploads and recounts what is stored.
func (u *Uploads) Sweep() {
	u.mu.Lock()
	defer u.mu.Unlock()
	ents, err := os.ReadDir(u.dir)
	if err != nil {
		return
	}
	var stored int64
	files := 0
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		st, err := e.Info()
		if err != nil {
			continue
		}
		if u.expired(st.ModTime()) {
			os.Remove(filepath.Join(u.dir, e.Name()))
			continue
		}
		stored += st.Size()
		files++
	}
	u.stored, u.files = stored, files
}

// RunJanitor sweeps expired uploads until ctx ends, every quarter of the
// TTL (between a second and a minute).
func (u *Uploads) RunJanitor(ctx context.Context) {
	every := min(max(u.ttl/4, time.Second), time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			u.Sweep()
		}
	}
}

// ValidUploadName checks a name a client gives an upload: 1 to 100
// letters, digits, '.', '_' and '-', not starting with '.' or '-', no "..".
// A path (a '/' or '\'), a parent reference or any other character is
// refused.
func ValidUploadName(name string) error {
	bad := func(why string) error {
		return &uploadError{msg: fmt.Sprintf("upload name %q: %s; use a plain file name such as capture.pcap (letters, digits, '.', '_', '-')", name, why),
			status: http.StatusBadRequest, kind: ErrRefused}
	}
	switch {
	case name == "":
		return bad("empty")
	case len(name) > maxUploadName:
		return bad(fmt.Sprintf("longer than %d bytes", maxUploadName))
	case strings.ContainsAny(name, `/\`):
		return bad("a path, not a file name")
	case strings.Contains(name, ".."):
		return bad(`contains ".."`)
	case name[0] == '.' || name[0] == '-':
		return bad("starts with '.' or '-'")
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return bad(fmt.Sprintf("character %q not allowed", c))
		}
	}
	return nil
}

// storedName is the name an upload is kept under: a random prefix, so that
// clients never collide or guess each other's uploads, and the client's
// name.
func storedName(name string) string {
	var b [8]byte
	rand.Read(b[:])
	return "up-" + hex.EncodeToString(b[:]) + "-" + name
}

// isStoredName reports whether name has the form storedName gives.
func isStoredName(name string) bool {
	rest, ok := strings.CutPrefix(name, "up-")
	if !ok || len(rest) < 18 || rest[16] != '-' {
		return false
	}
	_, err := hex.DecodeString(rest[:16])
	return err == nil && ValidUploadName(rest[17:]) == nil
}

func (u *Uploads) tooLarge(what string) error {
	return &uploadError{msg: fmt.Sprintf("upload %s: over the limit of %d bytes per upload (the server's --max-upload-bytes)", what, u.max),
		status: http.StatusRequestEntityTooLarge, kind: ErrTooLarge}
}

func (u *Uploads) full() error {
	return &uploadError{msg: fmt.Sprintf("upload refused: the server's upload space is full (--upload-quota-bytes %d, at most %d uploads); uploads expire %v after their last write", u.quota, MaxUploadFiles, u.ttl),
		status: http.StatusInsufficientStorage, kind: ErrQuota}
}

// reserve takes n more bytes of the quota for an upload in progress.
func (u *Uploads) reserve(n int64) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stored+u.inflight+n > u.quota {
		return u.full()
	}
	u.inflight += n
	return nil
}

func (u *Uploads) release(n int64) {
	u.mu.Lock()
	u.inflight -= n
	u.mu.Unlock()
}

// Put stores the capture r streams under a new name made from name, and
// returns it. r is read to its end; more than MaxBytes, a full store, or a
// start that is not a pcap or pcapng file (gzip-compressed or not) stops it,
// and nothing is kept.
func (u *Uploads) Put(ctx context.Context, name string, r io.Reader) (*Upload, error) {
	if err := ValidUploadName(name); err != nil {
		return nil, err
	}
	head := make([]byte, uploadHead)
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("upload %q: reading it failed: %w", name, err)
	}
	format := formatOf(head)
	if format == "" {
		return nil, &uploadError{msg: fmt.Sprintf("upload %q: not a capture: a pcap or pcapng file, or one compressed with gzip, starts otherwise", name),
			status: http.StatusUnsupportedMediaType, kind: ErrNotCapture}
	}
	f, err := os.CreateTemp(u.partial, "up-*")
	if err != nil {
		return nil, fmt.Errorf("upload %q: %v", name, unwrapPathError(err))
	}
	var written int64
	defer func() {
		u.release(written)
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	write := func(p []byte) error {
		if written+int64(len(p)) > u.max {
			return u.tooLarge(fmt.Sprintf("%q", name))
		}
		if err := u.reserve(int64(len(p))); err != nil {
			return err
		}
		written += int64(len(p))
		_, err := f.Write(p)
		return err
	}
	if err := write(head); err != nil {
		return nil, err
	}
	if n == uploadHead { // more may follow the head
		buf := make([]byte, 256<<10)
		for {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			n, rerr := r.Read(buf)
			if n > 0 {
				if err := write(buf[:n]); err != nil {
					return nil, err
				}
			}
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				return nil, fmt.Errorf("upload %q: cut off after %d bytes, nothing kept: %w", name, written, rerr)
			}
		}
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("upload %q: %v", name, err)
	}
	tmp := f.Name()
	f = nil
	defer os.Remove(tmp)
	stored := storedName(name)
	final := filepath.Join(u.dir, stored)
	u.mu.Lock()
	if u.files >= MaxUploadFiles {
		u.mu.Unlock()
		return nil, u.full()
	}
	err = os.Link(tmp, final) // never replaces a file
	if err == nil {
		u.stored += written
		u.files++
	}
	u.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("upload %q: %v", name, unwrapPathError(err))
	}
	st, err := os.Stat(final)
	if err != nil {
		return nil, fmt.Errorf("upload %q: %v", name, unwrapPathError(err))
	}
	return &Upload{Name: stored, Path: final, Size: written, Format: format, Expires: u.expires(st.ModTime())}, nil
}

// Append adds data to the end of the stored upload name (as Put returned
// it), keeping it TTL longer. The whole of data is written or, on failure,
// none of it.
func (u *Uploads) Append(name string, data []byte) (*Upload, error) {
	if !isStoredName(name) {
		return nil, &uploadError{msg: fmt.Sprintf("upload %q: not the name of an upload; append to the name a first upload_capture call (append false) returned", name),
			status: http.StatusBadRequest, kind: ErrRefused}
	}
	path := filepath.Join(u.dir, name)
	u.mu.Lock()
	defer u.mu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, &uploadError{msg: fmt.Sprintf("upload %q: no such upload (expired, or never made); start again with append false", name), status: http.StatusNotFound, kind: fs.ErrNotExist}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, fmt.Errorf("upload %q: not a regular file", name)
	}
	if u.expired(st.ModTime()) {
		os.Remove(path)
		return nil, &uploadError{msg: fmt.Sprintf("upload %q: expired; start again with append false", name), status: http.StatusNotFound, kind: fs.ErrNotExist}
	}
	size := st.Size()
	if size+int64(len(data)) > u.max {
		return nil, u.tooLarge(fmt.Sprintf("%q", name))
	}
	if u.stored+u.inflight+int64(len(data)) > u.quota {
		return nil, u.full()
	}
	if _, err := f.Write(data); err != nil {
		f.Truncate(size)
		return nil, fmt.Errorf("upload %q: %v", name, unwrapPathError(err))
	}
	u.stored += int64(len(data))
	st, err = f.Stat()
	if err != nil {
		return nil, fmt.Errorf("upload %q: %v", name, unwrapPathError(err))
	}
	return &Upload{Name: name, Path: path, Size: st.Size(), Format: fileFormat(path), Expires: u.expires(st.ModTime())}, nil
}

// fileFormat is formatOf the start of the file at path.
func fileFormat(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, uploadHead)
	n, _ := io.ReadFull(f, head)
	return formatOf(head[:n])
}

// formatOf names the capture format head (the first bytes of a file)
// starts: pcap, pcapng, or either with ".gz" when head is gzip whose
// content starts so; "" for anything else.
func formatOf(head []byte) string {
	if len(head) < 4 {
		return ""
	}
	if head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return ""
		}
		var inner [4]byte
		if _, err := io.ReadFull(zr, inner[:]); err != nil {
			return ""
		}
		if k := kind(inner[:]); k != "" {
			return k + ".gz"
		}
		return ""
	}
	return kind(head[:4])
}

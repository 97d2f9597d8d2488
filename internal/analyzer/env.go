package analyzer

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Env is what a tool call gets from the front end that runs it: how to open
// a capture, the server-wide limits, and where to report progress.
type Env struct {
	// Open opens a capture reference (a path or an http(s) URL) under the
	// server's access policy.
	Open func(ctx context.Context, ref string) (*Source, error)
	// MaxPackets, when > 0, caps how many packets of its protocol a module
	// analyzes in detail (--max-packets); counts still cover the capture.
	MaxPackets int
	// MaxDecompressedBytes, when > 0, caps what a gzip-compressed capture
	// may expand to (--max-decompressed-bytes).
	MaxDecompressedBytes int64
	// MaxRecordBytes, when > 0, is the most of one record's data an
	// analysis keeps; longer records are cut to it (--max-record-bytes).
	MaxRecordBytes int
	// MaxStateBytes bounds the memory one analysis holds in tables that
	// grow with the capture (--max-state-bytes); 0 means
	// DefaultMaxStateBytes. Modules divide it among their tables (see
	// StateItems), evict the oldest idle entries past their share, and
	// disclose evictions in the result.
	MaxStateBytes int64
	// Workers, when > 0, is how many goroutines one pass observes frames
	// on (--workers; engine.Options.Workers); 0 means the engine's
	// default.
	Workers int
	// OutputDir is the directory tools may write files into
	// (--output-dir), or "" when they may write nothing.
	OutputDir string
	// Roots are the directories captures may be read from; nil when any
	// readable file may be.
	Roots []string
	// List, when set, lists the captures under the server's capture
	// directories (or its working directory) below subdir.
	List func(ctx context.Context, subdir string) (files []CaptureFile, truncated bool, err error)
	// ListObjects, when set, lists the object storage places the server
	// reads captures from (--s3-allow), each with some of its objects.
	ListObjects func(ctx context.Context) []ObjectListing
	// Upload, when set, stores an uploaded capture (--upload-dir): with
	// appendTo false, r is a new capture stored under a name made from
	// name; with appendTo true, r is appended to the upload name.
	Upload func(ctx context.Context, name string, r io.Reader, appendTo bool) (*Upload, error)
	// MaxUploadCallBytes caps the data one upload_capture call carries.
	MaxUploadCallBytes int64
	// Progress, when set, receives progress: done out of total (total <= 0
	// when unknown), with a short message.
	Progress func(done, total float64, message string)
	// Cache, when set, keeps analysis results between calls (--cache-bytes):
	// a module that can answer a later page or a narrower filter from an
	// earlier pass over the same capture keeps that pass's result in it.
	Cache Cache
	// Now, when set, is the wall clock for the few outputs that report when
	// an analysis ran (mcpcap's analysis_timestamp); analyses themselves use
	// packet time only. Tests set it for reproducible output.
	Now func() time.Time
}

// Clock returns the time the analysis runs, from e.Now or the system clock.
func (e *Env) Clock() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// CaptureFile is a capture a server can open.
type CaptureFile struct {
	Path     string    // absolute path, to pass as pcap_file
	Size     int64     // bytes
	Modified time.Time // modification time
	Format   string    // pcap, pcapng, pcap.gz or pcapng.gz
	Expires  time.Time // for an upload, when it expires; else zero
}

// ObjectListing is what one allowed object storage place holds.
type ObjectListing struct {
	Prefix    string        // s3://bucket/prefix
	Objects   []CaptureFile // some of its objects: Path is the s3:// reference
	Truncated bool          // it holds more than Objects
	Error     string        // why it could not be listed, if so
}

// Upload is a capture stored by Env.Upload.
type Upload struct {
	Name    string    // the generated name: pass it as pcap_file
	Path    string    // absolute path on the server
	Size    int64     // bytes
	Format  string    // pcap, pcapng, pcap.gz or pcapng.gz
	Expires time.Time // when it is removed unless written to again
}

// Source is an opened capture byte stream.
type Source struct {
	io.ReadCloser
	Name   string // the reference as given
	Size   int64  // bytes, or -1 when unknown
	Remote bool   // fetched over http(s)
	// Identity names these exact bytes, or is "" when nothing can: a
	// local file's device, inode, size and modification time; a URL's or
	// object's validators (ETag, Last-Modified) and length. Results kept
	// in a Cache are keyed by it, so a file that changes is read again.
	Identity string
}

// Cache keeps analysis results between calls, keyed by the capture's
// Identity and what else shapes the analysis, up to a bound in bytes; the
// least recently used go first. Values are shared by the calls that get
// them: no one may change a value once it is Put.
type Cache interface {
	// Get returns the value kept under key.
	Get(key string) (any, bool)
	// Put keeps v, of about size bytes, under key, unless it alone is
	// over the bound; it reports whether it kept it.
	Put(key string, v any, size int64) bool
	// Bound is the most the cache holds, in bytes.
	Bound() int64
}

// OpenCapture opens ref with e.Open, with a clear error when the front end
// gave no opener.
func (e *Env) OpenCapture(ctx context.Context, ref string) (*Source, error) {
	if e.Open == nil {
		return nil, fmt.Errorf("capture %q: this server cannot open captures", ref)
	}
	return e.Open(ctx, ref)
}

// ReportProgress forwards progress to e.Progress when it is set.
func (e *Env) ReportProgress(done, total float64, message string) {
	if e.Progress != nil {
		e.Progress(done, total, message)
	}
}

// DefaultMaxStateBytes is the state budget of one analysis unless
// --max-state-bytes says otherwise: sized for a laptop running a few
// analyses at once.
const DefaultMaxStateBytes = 512 << 20

// StateItems returns how many entries of perItem bytes a table may hold
// when it gets share (0 to 1) of the analysis's state budget; at least 1000.
func (e *Env) StateItems(perItem int, share float64) int {
	budget := e.MaxStateBytes
	if budget <= 0 {
		budget = DefaultMaxStateBytes
	}
	return max(1000, int(float64(budget)*share)/max(perItem, 1))
}

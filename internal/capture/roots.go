package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// root is one directory local captures may come from, opened as an os.Root
// so that no path (.., an absolute symlink, a link out of the tree) escapes
// it.
type root struct {
	names   []string // the directory as given (made absolute) and with symlinks resolved
	r       *os.Root
	uploads *Uploads // set for the upload directory, whose files expire
}

// SetRoots confines local captures to the given directories: a path is read
// only when it lies inside one of them, and relative paths are looked up in
// each in turn. Each must be an existing directory.
func (o *Opener) SetRoots(dirs []string) error {
	for _, d := range dirs {
		if strings.TrimSpace(d) == "" {
			continue
		}
		abs, err := filepath.Abs(d)
		if err != nil {
			return fmt.Errorf("root %q: %v", d, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return fmt.Errorf("root %q: %v", d, unwrapPathError(err))
		}
		r, err := os.OpenRoot(real)
		if err != nil {
			return fmt.Errorf("root %q: %v", d, unwrapPathError(err))
		}
		names := []string{real}
		if abs != real {
			names = append(names, abs)
		}
		o.roots = append(o.roots, root{names: names, r: r})
	}
	return nil
}

// SetUploads adds the upload directory of u to the capture directories:
// an upload's name resolves as pcap_file, and an expired upload is removed
// when it is asked for rather than read.
func (o *Opener) SetUploads(u *Uploads) error {
	r, err := os.OpenRoot(u.Dir())
	if err != nil {
		return fmt.Errorf("upload directory %q: %v", u.Dir(), unwrapPathError(err))
	}
	o.roots = append(o.roots, root{names: []string{u.Dir()}, r: r, uploads: u})
	return nil
}

// Roots returns the allowed capture directories (symlinks resolved), or
// nil when any readable file may be opened.
func (o *Opener) Roots() []string { return namesOf(o.roots) }

// locate finds the root that holds the absolute path abs, under any of its
// names, and abs relative to it.
func locate(roots []root, abs string) (root, string, bool) {
	for _, rt := range roots {
		for _, name := range rt.names {
			if rel, ok := within(name, abs); ok {
				return rt, rel, true
			}
		}
	}
	return root{}, "", false
}

// within returns path relative to dir when it lies inside dir.
func within(dir, path string) (string, bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return rel, true
}

func (o *Opener) outside(ref string) error {
	return &refused{fmt.Sprintf("capture %q: outside the directories this server reads captures from (%s); give a path inside one of them (list_captures lists what they hold)",
		ref, strings.Join(o.Roots(), ", "))}
}

func (o *Opener) openInRoots(ref string) (*Source, error) {
	if filepath.IsAbs(ref) {
		if rt, rel, ok := locate(o.roots, filepath.Clean(ref)); ok {
			return o.openIn(rt, rel, ref)
		}
		return nil, o.outside(ref)
	}
	if !filepath.IsLocal(ref) {
		return nil, o.outside(ref)
	}
	var expired error
	for _, rt := range o.roots {
		src, err := o.openIn(rt, ref, ref)
		if !errors.Is(err, fs.ErrNotExist) {
			return src, err
		}
		if ne := (*notExist)(nil); errors.As(err, &ne) && ne.expired {
			expired = err
		}
	}
	if expired != nil {
		return nil, expired
	}
	return nil, fmt.Errorf("capture %q: no such file in the capture directories (%s); list_captures lists them", ref, strings.Join(o.Roots(), ", "))
}

// notExist is a "no such file" that errors.Is matches with fs.ErrNotExist.
type notExist struct {
	msg     string
	expired bool // an upload that expired
}

func (e *notExist) Error() string        { return e.msg }
func (e *notExist) Is(target error) bool { return target == fs.ErrNotExist }

// openIn opens rel inside rt. Escapes are refusals, worded as a path outside
// the roots, so that they say nothing about what lies outside.
func (o *Opener) openIn(rt root, rel, ref string) (*Source, error) {
	mapErr := func(err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &notExist{msg: fmt.Sprintf("capture %q: no such file", ref)}
		case errors.Is(err, fs.ErrPermission):
			return fmt.Errorf("capture %q: permission denied", ref)
		}
		return o.outside(ref)
	}
	if rt.uploads != nil && strings.HasPrefix(filepath.Clean(rel), ".") {
		return nil, mapErr(fs.ErrNotExist) // an upload in progress is nobody's to read
	}
	st, err := rt.r.Stat(rel)
	if err != nil {
		return nil, mapErr(err)
	}
	if rt.uploads != nil && st.Mode().IsRegular() && rt.uploads.expired(st.ModTime()) {
		rt.r.Remove(rel)
		return nil, &notExist{fmt.Sprintf("capture %q: no such file: the upload expired (uploads are kept %v after their last write)", ref, rt.uploads.TTL()), true}
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		return nil, errNotRegular(ref)
	}
	f, err := rt.r.OpenFile(rel, openFlags, 0)
	if err != nil {
		return nil, mapErr(err)
	}
	return checkOpened(f, ref)
}

// CaptureFile is a capture found under the capture directories.
type CaptureFile struct {
	Path     string    // absolute path, to pass as pcap_file
	Size     int64     // bytes
	Modified time.Time // modification time
	Format   string    // pcap, pcapng, pcap.gz or pcapng.gz
	Expires  time.Time // for an upload, when it expires; else zero
}

// List limits.
const (
	maxListScanned = 20000 // directory entries looked at per call
	maxListDepth   = 8
)

// List finds the captures (files whose first bytes are a pcap or pcapng
// header, gzip-compressed or not) under subdir of each capture directory,
// or of the working directory when there are none. Hidden files and
// directories are skipped. truncated is set when the scan stopped at its
// limit. Every file and directory is opened without blocking (a FIFO or
// device swapped in after the directory was read is never waited on) and
// judged by the file it opened, and the walk stops when ctx ends.
func (o *Opener) List(ctx context.Context, subdir string) (files []CaptureFile, truncated bool, err error) {
	roots := o.roots
	if len(roots) == 0 {
		wd, err := os.Getwd()
		if err != nil {
			return nil, false, err
		}
		r, err := os.OpenRoot(wd)
		if err != nil {
			return nil, false, err
		}
		defer r.Close()
		roots = []root{{names: []string{wd}, r: r}}
	}
	sub := "."
	if s := strings.TrimSpace(subdir); s != "" && s != "." {
		if filepath.IsAbs(s) {
			rt, rel, ok := locate(roots, filepath.Clean(s))
			if !ok {
				return nil, false, &refused{fmt.Sprintf("subdir %q: outside the capture directories (%s)", s, strings.Join(namesOf(roots), ", "))}
			}
			roots, sub = []root{rt}, rel
		} else if !filepath.IsLocal(s) {
			return nil, false, &refused{fmt.Sprintf("subdir %q: must be a path inside the capture directories (%s)", s, strings.Join(namesOf(roots), ", "))}
		} else {
			sub = filepath.Clean(s)
		}
	}
	l := &lister{ctx: ctx}
	found := false
	for _, rt := range roots {
		l.rt = rt
		ok, err := l.walk(sub)
		if err != nil {
			return nil, false, err
		}
		found = found || ok
		if l.truncated {
			break
		}
	}
	if !found && sub != "." {
		return nil, false, fmt.Errorf("subdir %q: no such directory in the capture directories (%s)", subdir, strings.Join(namesOf(roots), ", "))
	}
	slices.SortFunc(l.files, func(a, b CaptureFile) int { return strings.Compare(a.Path, b.Path) })
	return l.files, l.truncated, nil
}

// lister walks one capture directory for List.
type lister struct {
	ctx       context.Context
	rt        root
	scanned   int
	truncated bool
	files     []CaptureFile
}

// walk lists the captures in dir (relative to the root), to maxListDepth;
// it reports whether dir could be opened as a directory.
func (l *lister) walk(dir string) (bool, error) {
	if err := l.ctx.Err(); err != nil {
		return false, err
	}
	d, err := l.rt.r.OpenFile(dir, openFlags|dirFlag, 0)
	if err != nil {
		return false, nil // missing or unreadable: skipped
	}
	defer d.Close()
	var ents []fs.DirEntry
	for !l.truncated {
		batch, err := d.ReadDir(256)
		for _, e := range batch {
			if l.scanned++; l.scanned > maxListScanned {
				l.truncated = true
				break
			}
			ents = append(ents, e)
		}
		if err != nil || len(batch) == 0 {
			break
		}
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		p := filepath.Join(dir, name)
		switch {
		case e.IsDir():
			if strings.Count(filepath.ToSlash(p), "/") < maxListDepth {
				if _, err := l.walk(p); err != nil {
					return true, err
				}
			}
		case e.Type().IsRegular():
			if f, ok := sniff(l.rt, p); ok {
				if u := l.rt.uploads; u != nil {
					if u.expired(f.Modified) {
						continue
					}
					f.Expires = u.expires(f.Modified).UTC()
				}
				f.Path = filepath.Join(l.rt.names[0], p)
				l.files = append(l.files, f)
			}
		}
		if l.truncated {
			break
		}
	}
	return true, nil
}

func namesOf(roots []root) []string {
	var out []string
	for _, rt := range roots {
		out = append(out, rt.names[0])
	}
	return out
}

// sniff opens the file at p under rt without blocking and, when it is a
// regular file (judged on the open file, not the directory entry) holding
// a capture, describes it.
func sniff(rt root, p string) (CaptureFile, bool) {
	f, err := rt.r.OpenFile(p, openFlags, 0)
	if err != nil {
		return CaptureFile{}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || pseudoFS(f) {
		return CaptureFile{}, false
	}
	out := CaptureFile{Size: st.Size(), Modified: st.ModTime().UTC()}
	head := make([]byte, 4, uploadHead)
	if _, err := io.ReadFull(f, head); err != nil {
		return out, false
	}
	if head[0] == 0x1f && head[1] == 0x8b {
		// A gzip stream: its content decides, from the first 64 KiB.
		n, _ := io.ReadFull(f, head[4:cap(head)])
		head = head[:4+n]
	}
	out.Format = formatOf(head)
	return out, out.Format != ""
}

func kind(magic []byte) string {
	switch {
	case bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		return "pcapng"
	case isPcapMagic(magic):
		return "pcap"
	}
	return ""
}

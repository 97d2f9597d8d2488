package capture

import (
	"bytes"
	"compress/gzip"
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
	names []string // the directory as given (made absolute) and with symlinks resolved
	r     *os.Root
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
	for _, rt := range o.roots {
		src, err := o.openIn(rt, ref, ref)
		if !errors.Is(err, fs.ErrNotExist) {
			return src, err
		}
	}
	return nil, fmt.Errorf("capture %q: no such file in the capture directories (%s); list_captures lists them", ref, strings.Join(o.Roots(), ", "))
}

// notExist is a "no such file" that errors.Is matches with fs.ErrNotExist.
type notExist struct{ msg string }

func (e *notExist) Error() string        { return e.msg }
func (e *notExist) Is(target error) bool { return target == fs.ErrNotExist }

// openIn opens rel inside rt. Escapes are refusals, worded as a path outside
// the roots, so that they say nothing about what lies outside.
func (o *Opener) openIn(rt root, rel, ref string) (*Source, error) {
	mapErr := func(err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return &notExist{fmt.Sprintf("capture %q: no such file", ref)}
		case errors.Is(err, fs.ErrPermission):
			return fmt.Errorf("capture %q: permission denied", ref)
		}
		return o.outside(ref)
	}
	st, err := rt.r.Stat(rel)
	if err != nil {
		return nil, mapErr(err)
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
// limit.
func (o *Opener) List(subdir string) (files []CaptureFile, truncated bool, err error) {
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
	scanned := 0
	found := false
	for _, rt := range roots {
		fsys := rt.r.FS()
		err := fs.WalkDir(fsys, filepath.ToSlash(sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == filepath.ToSlash(sub) && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return nil // unreadable entries are skipped
			}
			if p == filepath.ToSlash(sub) {
				found = true
			}
			if scanned++; scanned > maxListScanned {
				truncated = true
				return fs.SkipAll
			}
			name := d.Name()
			if p != filepath.ToSlash(sub) && strings.HasPrefix(name, ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if strings.Count(p, "/") >= maxListDepth {
					return fs.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil
			}
			format := sniff(fsys, p)
			if format == "" {
				return nil
			}
			files = append(files, CaptureFile{Path: filepath.Join(rt.names[0], filepath.FromSlash(p)), Size: info.Size(), Modified: info.ModTime().UTC(), Format: format})
			return nil
		})
		if err != nil {
			return nil, false, err
		}
		if truncated {
			break
		}
	}
	if !found && sub != "." {
		return nil, false, fmt.Errorf("subdir %q: no such directory in the capture directories (%s)", subdir, strings.Join(namesOf(roots), ", "))
	}
	slices.SortFunc(files, func(a, b CaptureFile) int { return strings.Compare(a.Path, b.Path) })
	return files, truncated, nil
}

func namesOf(roots []root) []string {
	var out []string
	for _, rt := range roots {
		out = append(out, rt.names[0])
	}
	return out
}

// sniff names the capture format of the file at p, or "" when it is not a
// capture.
func sniff(fsys fs.FS, p string) string {
	f, err := fsys.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	var head [4]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return ""
	}
	if head[0] == 0x1f && head[1] == 0x8b {
		if _, err := f.(io.Seeker).Seek(0, io.SeekStart); err != nil {
			return ""
		}
		zr, err := gzip.NewReader(io.LimitReader(f, 1<<16))
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
	return kind(head[:])
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

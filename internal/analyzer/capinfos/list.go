package capinfos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/result"
)

// ListInput is the argument object of list_captures.
type ListInput struct {
	Subdir string `json:"subdir,omitempty" jsonschema:"only below this directory of a capture root"`
	Limit  int    `json:"limit,omitempty" jsonschema:"captures per page (default 50)"`
	Offset int    `json:"offset,omitempty"`
}

// ListOutput is the result of list_captures.
type ListOutput struct {
	Directories []string      `json:"directories" jsonschema:"the directories searched: the server's capture directories (--root), or its working directory when it has none"`
	Confined    bool          `json:"confined" jsonschema:"true when the server reads captures only inside its capture directories"`
	Captures    []CaptureFile `json:"captures" jsonschema:"capture files found (by their first bytes, not their names), by path"`
	Page        result.Page   `json:"captures_page"`
	ScanLimited bool          `json:"scan_limited" jsonschema:"true when the directories hold more entries than one call looks at; narrow with subdir"`
	// ObjectStorage lists the s3:// places the server reads captures from.
	ObjectStorage []ObjectPlace `json:"object_storage,omitempty" jsonschema:"the S3 buckets and prefixes this server reads (s3://bucket/prefix/), each with its first objects: pass an object's path as pcap_file"`
}

// ObjectPlace is one allowed object storage place.
type ObjectPlace struct {
	Prefix    string        `json:"prefix" jsonschema:"s3://bucket/prefix/"`
	Objects   []CaptureFile `json:"objects" jsonschema:"its first objects by key (not checked to be captures)"`
	Truncated bool          `json:"truncated" jsonschema:"true when it holds more objects than listed"`
	Error     string        `json:"error,omitempty" jsonschema:"why it could not be listed"`
}

// CaptureFile is one capture found.
type CaptureFile struct {
	Path      string `json:"path" jsonschema:"absolute path: pass it as pcap_file"`
	SizeBytes int64  `json:"size_bytes"`
	Modified  string `json:"modified" jsonschema:"modification time, RFC 3339 UTC"`
	Format    string `json:"format" jsonschema:"pcap, pcapng, pcap.gz or pcapng.gz"`
	Expires   string `json:"expires,omitempty" jsonschema:"for an upload, when the server removes it, RFC 3339 UTC"`
}

func listTool() analyzer.Tool {
	return analyzer.NewTool(analyzer.Tool{
		Name:        "list_captures",
		Title:       "List capture files",
		Description: "List the captures this server can read: the path to pass as pcap_file, size, modification time, format.",
	}, list, writeList)
}

func list(ctx context.Context, env *analyzer.Env, in ListInput) (*ListOutput, error) {
	offset, limit, err := result.PageArgs(in.Offset, in.Limit, DefaultLimit, MaxLimit)
	if err != nil {
		return nil, err
	}
	if env.List == nil {
		return nil, errors.New("this server cannot list captures")
	}
	files, truncated, err := env.List(ctx, in.Subdir)
	if err != nil {
		return nil, err
	}
	out := &ListOutput{Directories: env.Roots, Confined: len(env.Roots) > 0, ScanLimited: truncated}
	if !out.Confined {
		wd, _ := os.Getwd()
		out.Directories = []string{wd}
	}
	if env.ListObjects != nil && in.Subdir == "" {
		for _, l := range env.ListObjects(ctx) {
			p := ObjectPlace{Prefix: l.Prefix, Objects: []CaptureFile{}, Truncated: l.Truncated, Error: l.Error}
			for _, o := range l.Objects {
				p.Objects = append(p.Objects, CaptureFile{Path: o.Path, SizeBytes: o.Size, Modified: result.FormatTime(o.Modified)})
			}
			out.ObjectStorage = append(out.ObjectStorage, p)
		}
	}
	all := make([]CaptureFile, len(files))
	for i, f := range files {
		all[i] = CaptureFile{Path: f.Path, SizeBytes: f.Size, Modified: result.FormatTime(f.Modified), Format: f.Format}
		if !f.Expires.IsZero() {
			all[i].Expires = result.FormatTime(f.Expires)
		}
	}
	out.Captures, out.Page = result.Paginate(all, offset, limit)
	return out, nil
}

func writeList(w io.Writer, o *ListOutput) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Captures in %s (%d)\n", strings.Join(o.Directories, ", "), o.Page.Total)
	for _, c := range o.Captures {
		fmt.Fprintf(&b, "  %-9s %12d  %s  %s", c.Format, c.SizeBytes, c.Modified, c.Path)
		if c.Expires != "" {
			fmt.Fprintf(&b, "  (upload, expires %s)", c.Expires)
		}
		b.WriteString("\n")
	}
	for _, p := range o.ObjectStorage {
		fmt.Fprintf(&b, "Objects in %s (%d listed", p.Prefix, len(p.Objects))
		if p.Truncated {
			b.WriteString(", more not listed")
		}
		b.WriteString(")\n")
		if p.Error != "" {
			fmt.Fprintf(&b, "  error: %s\n", p.Error)
		}
		for _, c := range p.Objects {
			fmt.Fprintf(&b, "  %12d  %s  %s\n", c.SizeBytes, c.Modified, c.Path)
		}
	}
	if o.Page.Truncated {
		fmt.Fprintf(&b, "  ... %d more (offset %d)\n", o.Page.Total-o.Page.Offset-o.Page.Returned, *o.Page.NextOffset)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

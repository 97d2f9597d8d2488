// Package modkit is the plumbing that protocol modules share: opening a capture
// through the call's analyzer.Env, running one engine pass with progress
// reporting, and turning capture errors into messages a caller can act on.
// Protocol packages import it so they never import each other.
package modkit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/engine"
)

// Run opens ref through env and makes one engine pass over it with the given
// observers, reporting progress to env. opts.Size and opts.Progress are set
// by Run.
func Run(ctx context.Context, env *analyzer.Env, ref string, opts engine.Options, obs ...engine.Observer) (*engine.Result, error) {
	src, err := env.OpenCapture(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return runSource(ctx, env, src, ref, opts, obs...)
}

// runSource is Run on a capture already open.
func runSource(ctx context.Context, env *analyzer.Env, src *analyzer.Source, ref string, opts engine.Options, obs ...engine.Observer) (*engine.Result, error) {
	opts.Size = src.Size
	if opts.MaxDecompressedBytes <= 0 {
		opts.MaxDecompressedBytes = env.MaxDecompressedBytes
	}
	if opts.MaxRecordBytes <= 0 {
		opts.MaxRecordBytes = env.MaxRecordBytes
	}
	if opts.Workers <= 0 {
		opts.Workers = env.Workers
	}
	if env.Progress != nil {
		env.ReportProgress(0, float64(src.Size), "reading "+ref)
		opts.Progress = func(p engine.Progress) {
			env.ReportProgress(float64(p.Bytes), float64(p.Total), progressMessage(p))
		}
	}
	res, err := engine.Run(ctx, src, opts, obs...)
	if err != nil {
		return nil, CaptureError(ref, err)
	}
	return res, nil
}

func progressMessage(p engine.Progress) string {
	verb := "reading"
	if p.Done {
		verb = "read"
	}
	if p.Total > 0 {
		return fmt.Sprintf("%s %s of %s, %d packets", verb, humanBytes(p.Bytes), humanBytes(p.Total), p.Packets)
	}
	return fmt.Sprintf("%s %s, %d packets", verb, humanBytes(p.Bytes), p.Packets)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// CaptureError phrases an error from opening or reading a capture for the
// caller: it names the capture and drops package prefixes.
func CaptureError(ref string, err error) error {
	switch {
	case errors.Is(err, capture.ErrTooLarge), errors.Is(err, capture.ErrEmpty), errors.Is(err, capture.ErrNotCapture), errors.Is(err, capture.ErrUnsupported):
		return fmt.Errorf("capture %q: %s", ref, strings.TrimPrefix(err.Error(), "capture: "))
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("capture %q: analysis cancelled: %v", ref, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("capture %q: analysis ran out of time: %v", ref, err)
	}
	return err
}

// MaxPacketsNote is the note a module adds when --max-packets cut its
// detail analysis, worded as the reference (mcpcap) words it.
func MaxPacketsNote(limit int, proto string) string {
	return fmt.Sprintf("Analysis limited to first %d %s packets due to --max-packets setting", limit, proto)
}

// Warnings returns the pass's warnings as a non-nil slice, for JSON output.
// A protocol module passes undecoded=true to add a warning per link type the
// engine could not decode, since its protocol may hide in those packets.
func Warnings(res *engine.Result, undecoded bool) []string {
	out := append([]string{}, res.Warnings...)
	if undecoded {
		lts := make([]capture.LinkType, 0, len(res.UnsupportedLinkTypes))
		for lt := range res.UnsupportedLinkTypes {
			lts = append(lts, lt)
		}
		slices.Sort(lts)
		for _, lt := range lts {
			out = append(out, fmt.Sprintf("%d packet(s) with link type %d (%s) were counted but not decoded", res.UnsupportedLinkTypes[lt], uint16(lt), lt))
		}
	}
	return out
}

package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
)

// uploadFlags are serve's flags for uploaded captures.
type uploadFlags struct {
	dir      string
	maxBytes int64
	quota    int64
	ttl      time.Duration
}

func (u *uploadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&u.dir, "upload-dir", "", "directory uploaded captures are kept in (created if missing; for this server alone); enables POST /captures over HTTP and the upload_capture tool, and its uploads resolve as pcap_file")
	fs.Int64Var(&u.maxBytes, "max-upload-bytes", capture.DefaultMaxUploadBytes, "largest upload, in bytes (appended parts included)")
	fs.Int64Var(&u.quota, "upload-quota-bytes", capture.DefaultUploadQuotaBytes, "most bytes all uploads kept at once may hold; past it uploads are refused until some expire")
	fs.DurationVar(&u.ttl, "upload-ttl", capture.DefaultUploadTTL, "how long an upload is kept after its last write")
}

// setup opens the upload store, when --upload-dir is set, adds it to op's
// capture directories and to env, and starts its janitor until ctx ends.
// maxMessage is the largest request, which bounds one upload_capture call.
func (u *uploadFlags) setup(ctx context.Context, op *capture.Opener, env *analyzer.Env, maxMessage int) (*capture.Uploads, error) {
	if u.dir == "" {
		return nil, nil
	}
	if u.maxBytes <= 0 || u.quota <= 0 || u.ttl <= 0 {
		return nil, fmt.Errorf("--max-upload-bytes, --upload-quota-bytes and --upload-ttl must be positive")
	}
	store, err := capture.NewUploads(capture.UploadOptions{Dir: u.dir, MaxBytes: u.maxBytes, QuotaBytes: u.quota, TTL: u.ttl})
	if err != nil {
		return nil, fmt.Errorf("--upload-dir: %v", err)
	}
	if err := op.SetUploads(store); err != nil {
		return nil, fmt.Errorf("--upload-dir: %v", err)
	}
	go store.RunJanitor(ctx)
	env.Roots = op.Roots()
	env.Upload = func(ctx context.Context, name string, r io.Reader, appendTo bool) (*analyzer.Upload, error) {
		var (
			up  *capture.Upload
			err error
		)
		if appendTo {
			var data []byte
			if data, err = io.ReadAll(io.LimitReader(r, u.maxBytes+1)); err == nil {
				up, err = store.Append(name, data)
			}
		} else {
			up, err = store.Put(ctx, name, r)
		}
		if err != nil {
			return nil, err
		}
		return (*analyzer.Upload)(up), nil
	}
	// A call's base64 data takes 4/3 of its bytes, in a message that also
	// carries the JSON-RPC envelope.
	env.MaxUploadCallBytes = min(u.maxBytes, int64(maxMessage-1024)/4*3)
	return store, nil
}

// httpUpload is what POST /captures stores through: env's upload, or nil
// (no endpoint) without --upload-dir.
func httpUpload(env analyzer.Env) func(context.Context, string, io.Reader) (*analyzer.Upload, error) {
	if env.Upload == nil {
		return nil
	}
	return func(ctx context.Context, name string, r io.Reader) (*analyzer.Upload, error) {
		return env.Upload(ctx, name, r, false)
	}
}

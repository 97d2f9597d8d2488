package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/s3store"
)

// s3Flags are the flags for captures in S3-compatible object storage.
type s3Flags struct {
	endpoint string
	region   string
	allow    listFlag
}

func (s *s3Flags) register(fs *flag.FlagSet) {
	fs.Var(&s.allow, "s3-allow", "S3 bucket, or bucket/prefix, whose objects may be read as s3://bucket/key (repeatable); other references are refused. Credentials come from $AWS_ACCESS_KEY_ID/$AWS_SECRET_ACCESS_KEY, $MINIO_ACCESS_KEY, ~/.aws (with $AWS_PROFILE), the MinIO client config, or the instance role")
	fs.StringVar(&s.endpoint, "s3-endpoint", "", "S3-compatible endpoint, http(s)://host[:port] (default AWS S3)")
	fs.StringVar(&s.region, "s3-region", "", "S3 signing region (default $AWS_REGION, else us-east-1)")
}

// setup gives op and env the object store, when --s3-allow is set.
func (s *s3Flags) setup(op *capture.Opener, env *analyzer.Env) error {
	if len(s.allow) == 0 {
		if s.endpoint != "" {
			return fmt.Errorf("--s3-endpoint needs --s3-allow bucket[/prefix]: name what may be read")
		}
		return nil
	}
	store, err := s3store.New(s3store.Options{Endpoint: s.endpoint, Region: s.region, Allow: s.allow, Refused: capture.ErrRefused})
	if err != nil {
		return fmt.Errorf("--s3-allow/--s3-endpoint: %v", err)
	}
	op.Objects = store
	env.ListObjects = func(ctx context.Context) []analyzer.ObjectListing {
		var out []analyzer.ObjectListing
		for _, l := range store.List(ctx) {
			ol := analyzer.ObjectListing{Prefix: l.Prefix, Truncated: l.Truncated, Error: l.Error}
			for _, o := range l.Objects {
				ol.Objects = append(ol.Objects, analyzer.CaptureFile{Path: o.Ref, Size: o.Size, Modified: o.Modified})
			}
			out = append(out, ol)
		}
		return out
	}
	return nil
}

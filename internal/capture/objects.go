package capture

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// ObjectStore opens references to object storage (s3://bucket/key). It
// applies its own policy (which buckets and prefixes may be read); the
// Opener adds the download limits that http(s) URLs have: the size cap,
// checked on the size the store announces and again on the bytes that
// arrive, and the deadline.
type ObjectStore interface {
	// Open returns the object's body and its size (-1 when unknown). A
	// refusal by the policy matches ErrRefused.
	Open(ctx context.Context, ref string) (body io.ReadCloser, size int64, err error)
}

// objectScheme is the reference prefix object stores serve.
const objectScheme = "s3://"

// IsObjectRef reports whether ref names an object (s3://...).
func IsObjectRef(ref string) bool {
	return len(ref) >= len(objectScheme) && strings.EqualFold(ref[:len(objectScheme)], objectScheme)
}

func (o *Opener) openObject(ctx context.Context, ref string) (*Source, error) {
	if o.Objects == nil {
		return nil, &refused{fmt.Sprintf("capture %q: this server reads no object storage (it runs without --s3-allow)", ref)}
	}
	timeout := o.DownloadTimeout
	if timeout <= 0 {
		timeout = DefaultDownloadTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	body, size, err := o.Objects.Open(dctx, ref)
	if err != nil {
		cancel()
		return nil, err
	}
	max := o.maxBytes()
	if size > max {
		body.Close()
		cancel()
		return nil, errTooLarge(ref, max, size)
	}
	dl := &dlState{ref: ref, timeout: timeout, headerWait: o.headerWait(), call: ctx, dl: dctx}
	return &Source{ReadCloser: &limitedBody{rc: body, left: max, max: max, dl: dl, cancel: cancel}, Name: ref, Size: size, Remote: true}, nil
}

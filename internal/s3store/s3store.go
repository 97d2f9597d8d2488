// Package s3store reads captures from S3-compatible object storage:
// references of the form s3://bucket/key, confined to the buckets and key
// prefixes the server allows (--s3-allow), at one endpoint (--s3-endpoint;
// AWS S3 by default), with credentials from the usual chain (environment,
// shared credentials and config files, the MinIO client's file, then the
// instance or container role). It implements capture.ObjectStore; the
// download limits (size, time) are capture's.
package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Scheme is the reference prefix this package serves.
const Scheme = "s3://"

// Listing limits: objects shown per allowed prefix, and in all.
const (
	MaxListedPerPrefix = 50
	MaxListed          = 200
)

// refusedError is a refusal of a reference the policy does not allow;
// errors.Is matches it with Options.Refused.
type refusedError struct {
	msg  string
	kind error
}

func (e *refusedError) Error() string        { return e.msg }
func (e *refusedError) Is(target error) bool { return target == e.kind }

// Options configures a Store.
type Options struct {
	// Endpoint is the S3 endpoint: "https://host[:port]", "http://host[:port]"
	// or "host[:port]" (https); "" means AWS S3.
	Endpoint string
	// Region is the signing region; "" means $AWS_REGION, else us-east-1.
	Region string
	// Allow are the readable places, each "bucket" or "bucket/prefix".
	Allow []string
	// Refused is the error refusals match with errors.Is
	// (capture.ErrRefused).
	Refused error
	// Creds replaces the credential chain (tests); nil means the chain.
	Creds *credentials.Credentials
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// place is one allowed bucket and key prefix ("" or ending in "/").
type place struct{ bucket, prefix string }

func (p place) String() string { return Scheme + p.bucket + "/" + p.prefix }

// Store opens and lists objects under the allowed places.
type Store struct {
	client  *minio.Client
	allow   []place
	refused error
}

// Chain is the credential chain: AWS environment variables, MinIO
// environment variables, the AWS shared credentials and config files
// ($AWS_PROFILE), the MinIO client's config file, then the instance or
// container role (IAM).
func Chain() *credentials.Credentials {
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{},
		&credentials.FileMinioClient{},
		&credentials.IAM{},
	})
}

// ParseAllow reads one --s3-allow value: "bucket" or "bucket/prefix".
// A prefix names a folder: "logs" allows logs/..., not logs-old/....
func ParseAllow(s string) (bucket, prefix string, err error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), Scheme)
	bucket, prefix, _ = strings.Cut(s, "/")
	if !validBucket(bucket) {
		return "", "", fmt.Errorf("%q: %q is not an S3 bucket name (3 to 63 lower-case letters, digits, '.', '-')", s, bucket)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if err := checkKey(prefix); err != nil {
			return "", "", fmt.Errorf("%q: prefix %v", s, err)
		}
		prefix += "/"
	}
	return bucket, prefix, nil
}

// New returns a store for o; it contacts no server until used.
func New(o Options) (*Store, error) {
	s := &Store{refused: o.Refused}
	if s.refused == nil {
		s.refused = errors.New("s3: refused by the access policy")
	}
	for _, a := range o.Allow {
		b, p, err := ParseAllow(a)
		if err != nil {
			return nil, err
		}
		s.allow = append(s.allow, place{b, p})
	}
	if len(s.allow) == 0 {
		return nil, errors.New("no bucket allowed: give --s3-allow bucket[/prefix]")
	}
	endpoint, secure := "s3.amazonaws.com", true
	if o.Endpoint != "" {
		e := o.Endpoint
		if !strings.Contains(e, "://") {
			e = "https://" + e
		}
		u, err := url.Parse(e)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.User != nil {
			return nil, fmt.Errorf("endpoint %q: give http(s)://host[:port], with no path or credentials", o.Endpoint)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	region := o.Region
	if region == "" {
		region = os.Getenv("AWS_REGION")
	}
	if region == "" {
		region = "us-east-1"
	}
	creds := o.Creds
	if creds == nil {
		creds = Chain()
	}
	c, err := minio.New(endpoint, &minio.Options{Creds: creds, Secure: secure, Region: region, Transport: o.Transport, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("endpoint %q: %v", o.Endpoint, err)
	}
	c.SetAppInfo("mcpacket", "")
	s.client = c
	return s, nil
}

// Allowed returns the allowed places as s3:// references.
func (s *Store) Allowed() []string {
	out := make([]string, len(s.allow))
	for i, p := range s.allow {
		out[i] = p.String()
	}
	return out
}

// validBucket follows S3's rules for bucket names, loosely.
func validBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// checkKey refuses keys some servers would read as paths leaving their
// prefix (".." or "." segments, empty segments, backslashes) and control
// characters.
func checkKey(key string) error {
	if key == "" {
		return errors.New("is empty")
	}
	if strings.ContainsRune(key, '\\') {
		return errors.New("contains a backslash")
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f {
			return errors.New("contains a control character")
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "", ".", "..":
			return fmt.Errorf("has an empty, \".\" or \"..\" segment")
		}
	}
	return nil
}

// Parse splits an s3:// reference into bucket and key.
func Parse(ref string) (bucket, key string, err error) {
	rest, ok := strings.CutPrefix(ref, Scheme)
	if !ok {
		if len(ref) >= len(Scheme) && strings.EqualFold(ref[:len(Scheme)], Scheme) {
			rest = ref[len(Scheme):]
		} else {
			return "", "", fmt.Errorf("capture %q: not an s3://bucket/key reference", ref)
		}
	}
	bucket, key, _ = strings.Cut(rest, "/")
	if !validBucket(bucket) {
		return "", "", fmt.Errorf("capture %q: %q is not an S3 bucket name", ref, bucket)
	}
	if err := checkKey(key); err != nil {
		return "", "", fmt.Errorf("capture %q: the object key %v; give s3://bucket/path/to/capture.pcap", ref, err)
	}
	return bucket, key, nil
}

// allowed reports whether the policy lets bucket/key be read.
func (s *Store) allowed(bucket, key string) bool {
	return slices.ContainsFunc(s.allow, func(p place) bool { return p.bucket == bucket && strings.HasPrefix(key, p.prefix) })
}

func (s *Store) outside(ref string) error {
	return &refusedError{fmt.Sprintf("capture %q: outside the object storage this server reads captures from (%s); list_captures lists what they hold",
		ref, strings.Join(s.Allowed(), ", ")), s.refused}
}

// Open checks ref against the policy and opens the object: its body, and
// its size from the server. A refusal says nothing of whether the object
// exists.
func (s *Store) Open(ctx context.Context, ref string) (io.ReadCloser, int64, error) {
	bucket, key, err := Parse(ref)
	if err != nil {
		return nil, 0, err
	}
	if !s.allowed(bucket, key) {
		return nil, 0, s.outside(ref)
	}
	obj, err := s.client.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, s.failed(ref, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, 0, s.failed(ref, err)
	}
	return obj, st.Size, nil
}

// failed phrases an S3 error for the caller.
func (s *Store) failed(ref string, err error) error {
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NoSuchBucket":
		return fmt.Errorf("capture %q: no such object", ref)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return fmt.Errorf("capture %q: the object store refused this server's credentials (%s)", ref, resp.Code)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("capture %q: %w", ref, err)
	}
	if resp.Code != "" {
		return fmt.Errorf("capture %q: the object store answered %s", ref, resp.Code)
	}
	return fmt.Errorf("capture %q: reading from the object store failed: %v", ref, err)
}

// Object is one object listed.
type Object struct {
	Ref      string // s3://bucket/key: pass it as pcap_file
	Size     int64
	Modified time.Time
}

// Listing is what one allowed place holds, bounded.
type Listing struct {
	Prefix    string   // s3://bucket/prefix
	Objects   []Object // up to MaxListedPerPrefix, by key
	Truncated bool     // more objects than listed
	Error     string   // why the place could not be listed, if so
}

// List lists the objects under each allowed place, at most
// MaxListedPerPrefix each and MaxListed in all.
func (s *Store) List(ctx context.Context) []Listing {
	out := make([]Listing, 0, len(s.allow))
	total := 0
	for _, p := range s.allow {
		l := Listing{Prefix: p.String()}
		room := min(MaxListedPerPrefix, MaxListed-total)
		lctx, cancel := context.WithCancel(ctx)
		for info := range s.client.ListObjects(lctx, p.bucket, minio.ListObjectsOptions{Prefix: p.prefix, Recursive: true, MaxKeys: room + 1}) {
			if info.Err != nil {
				l.Error = s.failed(l.Prefix, info.Err).Error()
				break
			}
			if len(l.Objects) >= room {
				l.Truncated = true
				break
			}
			if checkKey(info.Key) != nil {
				continue // not a key Open would read
			}
			l.Objects = append(l.Objects, Object{Ref: Scheme + p.bucket + "/" + info.Key, Size: info.Size, Modified: info.LastModified.UTC()})
		}
		cancel()
		total += len(l.Objects)
		out = append(out, l)
	}
	return out
}

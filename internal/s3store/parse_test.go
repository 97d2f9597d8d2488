package s3store_test

import (
	"strings"
	"testing"

	"github.com/mcpacket/mcpacket/internal/s3store"
)

func TestParseAllow(t *testing.T) {
	for _, c := range []struct{ in, bucket, prefix, err string }{
		{"captures", "captures", "", ""},
		{"captures/team", "captures", "team/", ""},
		{"s3://captures/team/", "captures", "team/", ""},
		{"captures/a/b", "captures", "a/b/", ""},
		{"Captures", "", "", "not an S3 bucket name"},
		{"ab", "", "", "not an S3 bucket name"},
		{"captures/../x", "", "", "segment"},
		{"captures/a//b", "", "", "segment"},
	} {
		b, p, err := s3store.ParseAllow(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || b != c.bucket || p != c.prefix {
			t.Errorf("%q = %q %q %v, want %q %q", c.in, b, p, err, c.bucket, c.prefix)
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, bucket, key string }{
		{"s3://captures/a.pcap", "captures", "a.pcap"},
		{"S3://captures/team/a.pcap", "captures", "team/a.pcap"},
	} {
		b, k, err := s3store.Parse(c.in)
		if err != nil || b != c.bucket || k != c.key {
			t.Errorf("%q = %q %q %v", c.in, b, k, err)
		}
	}
	for _, bad := range []string{"s3://captures", "s3://captures/", "s3://captures/a/../b", "s3://captures/./a", "s3://captures/a\\b", "s3://captures/a\x00b", "s3://x/a", "http://captures/a"} {
		if _, _, err := s3store.Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestNewOptions(t *testing.T) {
	for _, c := range []struct {
		o   s3store.Options
		err string
	}{
		{s3store.Options{}, "no bucket allowed"},
		{s3store.Options{Allow: []string{"captures"}, Endpoint: "ftp://x"}, "endpoint"},
		{s3store.Options{Allow: []string{"captures"}, Endpoint: "http://u:p@x:9000"}, "endpoint"},
		{s3store.Options{Allow: []string{"captures"}, Endpoint: "http://x:9000/path"}, "endpoint"},
	} {
		if _, err := s3store.New(c.o); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.err)
		}
	}
	s, err := s3store.New(s3store.Options{Allow: []string{"captures/team", "logs"}, Endpoint: "127.0.0.1:9000"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Allowed(), " "); got != "s3://captures/team/ s3://logs/" {
		t.Errorf("allowed = %s", got)
	}
}

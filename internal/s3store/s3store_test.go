package s3store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/analyzer/capinfos"
	"github.com/mcpacket/mcpacket/internal/capture"
	"github.com/mcpacket/mcpacket/internal/cli"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"github.com/mcpacket/mcpacket/internal/s3store"
)

// The test server's one identity.
const (
	accessKey = "mcpacket-test"
	secretKey = "mcpacket-test-secret"
)

// gopathBinary finds a test server binary on PATH or in GOPATH/bin, where
// .ci/run installs it from the Go module proxy.
func gopathBinary(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	gopath, _ := exec.Command("go", "env", "GOPATH").Output()
	p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

var (
	weedOnce     sync.Once
	weedEndpoint string
	weedErr      error
	weedStop     func()
	// s3Checks says whether the server checks request signatures
	// (SeaweedFS does; gofakes3 accepts any).
	s3Checks bool
)

func TestMain(m *testing.M) {
	code := m.Run()
	if weedStop != nil {
		weedStop()
	}
	os.Exit(code)
}

// freePorts returns n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// startS3 starts one S3-compatible server on loopback, once for the
// package's tests, and returns its endpoint: SeaweedFS's weed (master,
// volume, filer, S3 gateway; telemetry off, nothing leaves the machine)
// when it is installed, else gofakes3's server on a disk backend (a
// smaller S3 implementation that builds in under a minute, which .ci/run
// installs; it does not check signatures). Both are built from the Go
// module proxy and spoken to over HTTP by minio-go, as a real endpoint is.
func startS3(t *testing.T) string {
	t.Helper()
	if e := os.Getenv("MCPACKET_S3_TEST_ENDPOINT"); e != "" {
		// Another S3-compatible server, already running, that accepts the
		// test identity (for trying the tests against it).
		weedOnce.Do(func() {
			weedEndpoint = e
			for _, b := range []string{"captures", "private"} {
				client(e).MakeBucket(t.Context(), b, minio.MakeBucketOptions{})
			}
			s3Checks = os.Getenv("MCPACKET_S3_TEST_CHECKS_SIGNATURES") == "1"
		})
		return weedEndpoint
	}
	bin := gopathBinary("weed")
	if bin == "" {
		if fake := gopathBinary("gofakes3"); fake != "" {
			return startGofakes3(t, fake)
		}
		t.Skip("no S3 test server (weed or gofakes3) installed: S3 tests skipped (.ci/run installs gofakes3)")
	}
	weedOnce.Do(func() {
		s3Checks = true
		dir, err := os.MkdirTemp("", "mcpacket-weed-")
		if err != nil {
			weedErr = err
			return
		}
		cfg := fmt.Sprintf(`{"identities":[{"name":"test","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","List","Write","Tagging"]}]}`, accessKey, secretKey)
		if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(cfg), 0o600); err != nil {
			weedErr = err
			return
		}
		ports, err := freePorts(8)
		if err != nil {
			weedErr = err
			return
		}
		cmd := exec.Command(bin, "server",
			"-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+dir,
			"-master.telemetry=false", "-master.telemetry.url=http://127.0.0.1:1/",
			"-master.volumeSizeLimitMB=1100", "-volume.max=100",
			fmt.Sprintf("-master.port=%d", ports[0]), fmt.Sprintf("-master.port.grpc=%d", ports[1]),
			fmt.Sprintf("-volume.port=%d", ports[2]), fmt.Sprintf("-volume.port.grpc=%d", ports[3]),
			"-filer", fmt.Sprintf("-filer.port=%d", ports[4]), fmt.Sprintf("-filer.port.grpc=%d", ports[5]),
			"-s3", fmt.Sprintf("-s3.port=%d", ports[6]), fmt.Sprintf("-s3.port.grpc=%d", ports[7]),
			"-s3.config="+filepath.Join(dir, "s3.json"))
		log, _ := os.Create(filepath.Join(dir, "weed.log"))
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			weedErr = err
			return
		}
		weedStop = func() {
			cmd.Process.Kill()
			cmd.Wait()
			os.RemoveAll(dir)
		}
		weedEndpoint = fmt.Sprintf("http://127.0.0.1:%d", ports[6])
		// Ready when a bucket can be made (the S3 gateway needs its filer,
		// the filer its master and volume).
		c := client(weedEndpoint)
		deadline := time.Now().Add(90 * time.Second)
		for {
			err := c.MakeBucket(t.Context(), "captures", minio.MakeBucketOptions{})
			if err == nil || minio.ToErrorResponse(err).Code == "BucketAlreadyOwnedByYou" {
				break
			}
			if time.Now().After(deadline) {
				b, _ := os.ReadFile(filepath.Join(dir, "weed.log"))
				weedErr = fmt.Errorf("SeaweedFS did not serve S3 within 90 s: %v\n%s", err, tail(b, 3000))
				return
			}
			time.Sleep(250 * time.Millisecond)
		}
		for _, b := range []string{"private"} {
			if err := c.MakeBucket(t.Context(), b, minio.MakeBucketOptions{}); err != nil {
				weedErr = err
				return
			}
		}
	})
	if weedErr != nil {
		t.Fatal(weedErr)
	}
	return weedEndpoint
}

// startGofakes3 runs gofakes3's server with its file-system backend in a
// temporary directory and makes the test buckets.
func startGofakes3(t *testing.T, bin string) string {
	t.Helper()
	weedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mcpacket-gofakes3-")
		if err != nil {
			weedErr = err
			return
		}
		ports, err := freePorts(1)
		if err != nil {
			weedErr = err
			return
		}
		cmd := exec.Command(bin, "-backend", "fs", "-fs.path", dir, "-fs.create", "-quiet",
			"-host", fmt.Sprintf("127.0.0.1:%d", ports[0]))
		log, _ := os.Create(filepath.Join(dir, "gofakes3.log"))
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			weedErr = err
			return
		}
		weedStop = func() {
			cmd.Process.Kill()
			cmd.Wait()
			os.RemoveAll(dir)
		}
		weedEndpoint = fmt.Sprintf("http://127.0.0.1:%d", ports[0])
		c := client(weedEndpoint)
		deadline := time.Now().Add(30 * time.Second)
		for _, b := range []string{"captures", "private"} {
			for {
				err := c.MakeBucket(t.Context(), b, minio.MakeBucketOptions{})
				if err == nil {
					break
				}
				if time.Now().After(deadline) {
					l, _ := os.ReadFile(filepath.Join(dir, "gofakes3.log"))
					weedErr = fmt.Errorf("gofakes3 did not make bucket %s within 30 s: %v\n%s", b, err, tail(l, 3000))
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	if weedErr != nil {
		t.Fatal(weedErr)
	}
	return weedEndpoint
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// client is the test's own S3 client, to put objects.
func client(endpoint string) *minio.Client {
	c, err := minio.New(strings.TrimPrefix(endpoint, "http://"), &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, ""), Region: "us-east-1"})
	if err != nil {
		panic(err)
	}
	return c
}

func put(t *testing.T, endpoint, bucket, key string, r io.Reader, size int64) {
	t.Helper()
	if _, err := client(endpoint).PutObject(t.Context(), bucket, key, r, size, minio.PutObjectOptions{PartSize: 16 << 20, DisableContentSha256: true}); err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
}

// opener is an Opener reading the allowed places through the credential
// chain, which finds the test identity in the environment.
func opener(t *testing.T, endpoint string, allow ...string) (*capture.Opener, *s3store.Store) {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	st, err := s3store.New(s3store.Options{Endpoint: endpoint, Allow: allow, Refused: capture.ErrRefused})
	if err != nil {
		t.Fatal(err)
	}
	return &capture.Opener{Objects: st}, st
}

func TestS3ReadAndRefuse(t *testing.T) {
	endpoint := startS3(t)
	example, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"team/dhcp.pcap", "team-old/dhcp.pcap", "other/dhcp.pcap"} {
		put(t, endpoint, "captures", k, bytes.NewReader(example), int64(len(example)))
	}
	put(t, endpoint, "private", "team/dhcp.pcap", bytes.NewReader(example), int64(len(example)))
	op, store := opener(t, endpoint, "captures/team")

	// Read: the bytes stored, as a capture of 4 packets.
	src, err := op.Open(t.Context(), "s3://captures/team/dhcp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := capture.NewReader(src)
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	for rd.ReadPacket(&p) == nil {
	}
	src.Close()
	if rd.Packets() != 4 || !src.Remote || src.Size != int64(len(example)) {
		t.Errorf("read %d packets, source %+v; want the example's 4", rd.Packets(), src)
	}

	// Refused: another bucket, a prefix that only starts the same, a key
	// leaving the prefix, as a path outside --root is.
	for _, ref := range []string{
		"s3://private/team/dhcp.pcap",
		"s3://captures/team-old/dhcp.pcap",
		"s3://captures/other/dhcp.pcap",
		"s3://captures/dhcp.pcap",
	} {
		if _, err := op.Open(t.Context(), ref); !errors.Is(err, capture.ErrRefused) || !strings.Contains(err.Error(), "outside the object storage") {
			t.Errorf("%s: %v, want a refusal", ref, err)
		}
	}
	for _, ref := range []string{"s3://captures/team/../other/dhcp.pcap", "s3://captures/team//dhcp.pcap", "s3://captures/team/./dhcp.pcap"} {
		if _, err := op.Open(t.Context(), ref); err == nil {
			t.Errorf("%s: opened", ref)
		}
	}
	if _, err := op.Open(t.Context(), "s3://captures/team/none.pcap"); err == nil || !strings.Contains(err.Error(), "no such object") {
		t.Errorf("missing object: %v", err)
	}

	// Over the cap: refused on the size the server announces.
	op.MaxDownloadBytes = int64(len(example)) - 1
	if _, err := op.Open(t.Context(), "s3://captures/team/dhcp.pcap"); !errors.Is(err, capture.ErrTooLarge) {
		t.Errorf("object over the cap: %v", err)
	}

	// Listing: the allowed place and what it holds, nothing else.
	ls := store.List(t.Context())
	if len(ls) != 1 || ls[0].Prefix != "s3://captures/team/" || len(ls[0].Objects) != 1 || ls[0].Objects[0].Ref != "s3://captures/team/dhcp.pcap" ||
		ls[0].Objects[0].Size != int64(len(example)) || ls[0].Error != "" {
		t.Errorf("list = %+v", ls)
	}

	// Wrong credentials: a clear refusal from the store.
	if !s3Checks {
		t.Log("wrong credentials: not checked, this S3 server does not check signatures (SeaweedFS does)")
		return
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	bad, _ := s3store.New(s3store.Options{Endpoint: endpoint, Allow: []string{"captures/team"}})
	if _, _, err := bad.Open(t.Context(), "s3://captures/team/dhcp.pcap"); err == nil || !strings.Contains(err.Error(), "credentials") {
		t.Errorf("wrong secret: %v", err)
	}
}

// pcapStream generates a pcap file of exactly size bytes on the fly:
// a header, then records of 1500-byte frames, the last one shorter.
type pcapStream struct {
	left, off int64
	buf       []byte
	packets   int
}

func newPcapStream(size int64) *pcapStream {
	s := &pcapStream{left: size}
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535)
	binary.LittleEndian.PutUint32(h[20:], 1)
	s.buf = h[:]
	return s
}

func (s *pcapStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && s.left > 0 {
		if len(s.buf) == 0 {
			l := min(int64(1500), s.left-16)
			rec := make([]byte, 16+l)
			binary.LittleEndian.PutUint32(rec[0:], uint32(s.packets))
			binary.LittleEndian.PutUint32(rec[8:], uint32(l))
			binary.LittleEndian.PutUint32(rec[12:], uint32(l))
			s.buf = rec
			s.packets++
		}
		c := copy(p[n:], s.buf[:min(int64(len(s.buf)), s.left)])
		s.buf = s.buf[c:]
		s.left -= int64(c)
		n += c
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// TestS3StreamGigabyte puts a 1 GB capture generated on the fly into the
// server, then reads it through the Opener and the capture reader,
// sampling the heap: it stays flat, whatever the object's size.
func TestS3StreamGigabyte(t *testing.T) {
	if testing.Short() {
		t.Skip("1 GB through a local S3 server: skipped with -short")
	}
	endpoint := startS3(t)
	const size = 1_000_000_000
	gen := newPcapStream(size)
	put(t, endpoint, "captures", "team/big.pcap", gen, size)
	op, _ := opener(t, endpoint, "captures/team")
	op.DownloadTimeout = 10 * time.Minute

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	peak := pcaptest.WatchHeap()
	src, err := op.Open(t.Context(), "s3://captures/team/big.pcap")
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	rd, err := capture.NewReader(io.TeeReader(src, h))
	if err != nil {
		t.Fatal(err)
	}
	var p capture.Packet
	var rerr error
	for rerr = rd.ReadPacket(&p); rerr == nil; rerr = rd.ReadPacket(&p) {
	}
	src.Close()
	top := peak()
	if rd.Packets() != gen.packets {
		t.Errorf("read %d packets, the object holds %d (%v)", rd.Packets(), gen.packets, rerr)
	}
	want := sha256.New()
	io.Copy(want, newPcapStream(size))
	if !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Errorf("the bytes read differ from those stored")
	}
	grew := int64(top) - int64(base.HeapInuse)
	t.Logf("1 GB object streamed: %d packets, heap in use at most %.1f MiB (%.1f MiB over the start)", rd.Packets(), float64(top)/(1<<20), float64(grew)/(1<<20))
	if grew > 64<<20 {
		t.Errorf("heap grew by %d MiB while streaming 1 GB; want it flat (under 64 MiB)", grew>>20)
	}
}

// TestS3ThroughCLI runs the command line's analyze on an s3:// reference
// and lists the allowed place, with the flags a user gives.
func TestS3ThroughCLI(t *testing.T) {
	endpoint := startS3(t)
	example, err := os.ReadFile(filepath.Join(pcaptest.Root(t), "examples", "dhcp.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	put(t, endpoint, "captures", "cli/dhcp.pcap", bytes.NewReader(example), int64(len(example)))
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	reg, err := analyzer.NewRegistry(capinfos.New(capinfos.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		app := &cli.App{Registry: reg, Version: "test", Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
		code := app.Run(t.Context(), append(args, "--s3-allow", "captures/cli", "--s3-endpoint", endpoint, "--json"))
		return code, stdout.String(), stderr.String()
	}
	code, out, errs := run("analyze", "capinfos", "s3://captures/cli/dhcp.pcap")
	var ci struct {
		PacketCount int    `json:"packet_count"`
		SHA256      string `json:"sha256"`
	}
	json.Unmarshal([]byte(out), &ci)
	if code != 0 || ci.PacketCount != 4 || ci.SHA256 != fmt.Sprintf("%x", sha256.Sum256(example)) {
		t.Errorf("analyze capinfos s3://: exit %d, %.300s %s", code, out, errs)
	}
	code, out, errs = run("analyze", "capinfos", "s3://captures/team/dhcp.pcap")
	if code == 0 || !strings.Contains(errs+out, "outside the object storage") {
		t.Errorf("analyze outside --s3-allow: exit %d, %.300s %s", code, out, errs)
	}
	code, out, errs = run("analyze", "list_captures")
	var ls struct {
		ObjectStorage []struct {
			Prefix  string
			Objects []struct{ Path string }
		} `json:"object_storage"`
	}
	json.Unmarshal([]byte(out), &ls)
	if code != 0 || len(ls.ObjectStorage) != 1 || ls.ObjectStorage[0].Prefix != "s3://captures/cli/" ||
		len(ls.ObjectStorage[0].Objects) != 1 || ls.ObjectStorage[0].Objects[0].Path != "s3://captures/cli/dhcp.pcap" {
		t.Errorf("list_captures: exit %d, %.500s %s", code, out, errs)
	}
}

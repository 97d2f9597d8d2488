package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpacket/mcpacket/internal/analyzer"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
)

// statusErr is an upload error carrying its HTTP status, as the store's are.
type statusErr struct{ code int }

func (e statusErr) Error() string   { return fmt.Sprintf("refused with %d", e.code) }
func (e statusErr) HTTPStatus() int { return e.code }

// TestUploadEndpoint checks POST /captures in front of the store: the
// token before any body is read, the size cap on Content-Length, the
// store's statuses, and a stalled body ended within the read timeout.
func TestUploadEndpoint(t *testing.T) {
	var calls atomic.Int32
	var got atomic.Value
	upload := func(ctx context.Context, name string, body io.Reader) (*analyzer.Upload, error) {
		calls.Add(1)
		b, err := io.ReadAll(body)
		if err != nil {
			return nil, err
		}
		got.Store(string(b))
		if strings.HasPrefix(name, "bad") {
			return nil, statusErr{http.StatusUnsupportedMediaType}
		}
		return &analyzer.Upload{Name: "up-1-" + name, Size: int64(len(b)), Format: "pcap", Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, nil
	}
	hs := NewHTTPServer(newTestServer(t), HTTPOptions{AuthToken: "tok", Upload: upload, MaxUploadBytes: 100, ReadTimeout: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Shutdown(context.Background()) })
	do := func(name, token string, body []byte) (int, string) {
		return pcaptest.PostCapture(t, "http://"+ln.Addr().String(), name, token, body)
	}

	if code, _ := do("a.pcap", "", []byte("x")); code != http.StatusUnauthorized || calls.Load() != 0 {
		t.Errorf("no token: %d, store called %d times", code, calls.Load())
	}
	if code, _ := do("a.pcap", "tok", make([]byte, 101)); code != http.StatusRequestEntityTooLarge || calls.Load() != 0 {
		t.Errorf("over the cap: %d, store called %d times", code, calls.Load())
	}
	code, body := do("a.pcap", "tok", []byte("capture bytes"))
	var resp UploadResponse
	json.Unmarshal([]byte(body), &resp)
	if code != http.StatusCreated || resp.PcapFile != "up-1-a.pcap" || resp.SizeBytes != 13 || resp.Expires != "2030-01-01T00:00:00.000000000Z" || got.Load() != "capture bytes" {
		t.Errorf("upload: %d %s", code, body)
	}
	if code, _ := do("bad.pcap", "tok", []byte("x")); code != http.StatusUnsupportedMediaType {
		t.Errorf("store refusal: %d, want its status 415", code)
	}

	// A body that stalls: the read fails after the read timeout and the
	// upload is answered 408, not held open.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /captures?name=s.pcap HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\nContent-Length: 50\r\n\r\nabc")
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := readLine(conn)
	if err != nil || !strings.Contains(line, "408") {
		t.Errorf("stalled upload: %q %v", line, err)
	}
}

func readLine(c net.Conn) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := c.Read(one); err != nil {
			if errors.Is(err, io.EOF) && len(b) > 0 {
				return string(b), nil
			}
			return string(b), err
		}
		if one[0] == '\n' {
			return string(b), nil
		}
		b = append(b, one[0])
	}
}

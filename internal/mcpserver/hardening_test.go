package mcpserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/mcpacket/mcpacket/internal/pcaptest"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The attacks of issue 10 on the server layer, each against the fake tool.

// TestStuckToolFreesSlot: a tool stuck in a call that ignores its context
// (a blocking open of a FIFO) cannot keep its slot past --call-timeout: with
// one slot, the next call runs instead of answering "server busy".
func TestStuckToolFreesSlot(t *testing.T) {
	t.Cleanup(releaseStuck)
	srv := newTestServerConfig(t, Config{CallTimeout: 300 * time.Millisecond, MaxConcurrent: 1, QueueTimeout: 2 * time.Second})
	cs := connect(t, srv, nil)
	for i := range 3 {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		start := time.Now()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a", "mode": "stuck"}})
		cancel()
		if err != nil {
			t.Fatalf("stuck call %d: no answer: %v", i, err)
		}
		if !res.IsError || !strings.Contains(textOf(res), "--call-timeout") || strings.Contains(textOf(res), "busy") {
			t.Errorf("stuck call %d: %s", i, textOf(res))
		}
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Errorf("stuck call %d answered after %v; --call-timeout is 300ms", i, d)
		}
	}
	if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a"}}); err != nil || res.IsError {
		t.Errorf("call after stuck ones: %v %s", err, textOf(res))
	}
}

// TestStdioCancel: over stdio, a call the client cancels
// (notifications/cancelled) sees its context end within a second, and so
// does a call whose client goes away.
func TestStdioCancel(t *testing.T) {
	for _, how := range []string{"cancel", "disconnect"} {
		t.Run(how, func(t *testing.T) {
			srv := newTestServer(t)
			cr, sw := io.Pipe()
			sr, cw := io.Pipe()
			go ServeStdio(t.Context(), srv, sr, sw, StdioOptions{})
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(),
				&mcp.IOTransport{Reader: cr, Writer: cw}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			go cs.CallTool(ctx, &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a", "mode": "watch"}})
			<-watchEntered
			pcaptest.StopsAfter(t, "the call", "the "+how, watchEnded, 5*time.Second, func() {
				if how == "cancel" {
					cancel()
				} else {
					cw.Close()
					cr.Close()
				}
			})
		})
	}
}

// httpServer serves the fake module with the hardened HTTP server.
func httpServer(t *testing.T, cfg Config, opts HTTPOptions) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(newTestServerConfig(t, cfg), opts)
	go hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// rawPost writes a POST of /mcp with the given headers and the first
// bytes of a body of the announced length, then waits for the answer.
func rawPost(t *testing.T, addr string, headers map[string]string, length int, body string) (status string, closed time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "POST /mcp HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: %d\r\n", addr, length)
	for k, v := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n" + body)
	start := time.Now()
	c.Write([]byte(b.String()))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	line, _ := br.ReadString('\n')
	io.Copy(io.Discard, br) // to the close
	return strings.TrimSpace(line), time.Since(start)
}

// TestHTTPAuthBeforeBody: a request without the token is answered 401 from
// its headers, and its connection closed, while its body has not arrived
// (it used to be read first, up to 256 KiB, so a dripping body held the
// connection).
func TestHTTPAuthBeforeBody(t *testing.T) {
	addr := httpServer(t, Config{}, HTTPOptions{AuthToken: "s3cret", ReadTimeout: 10 * time.Second})
	status, d := rawPost(t, addr, nil, 200000, `{"jsonrpc":"2.0",`)
	if !strings.Contains(status, "401") || d > time.Second {
		t.Errorf("token-less POST with a pending body: %q after %v, want 401 at once", status, d)
	}
}

// TestHTTPBodyDeadline: an authenticated request whose body does not
// arrive within the read timeout is answered 408 and closed.
func TestHTTPBodyDeadline(t *testing.T) {
	addr := httpServer(t, Config{}, HTTPOptions{AuthToken: "s3cret", ReadTimeout: 300 * time.Millisecond})
	status, d := rawPost(t, addr, map[string]string{"Authorization": "Bearer s3cret"}, 1000, `{"jsonrpc":"2.0",`)
	if !strings.Contains(status, "408") || d > 2*time.Second {
		t.Errorf("dripping body: %q after %v, want 408 after 300ms", status, d)
	}
}

// TestHTTPBatchRefused: a JSON-RPC batch is refused, with an error for each
// of its calls, and none of them runs.
func TestHTTPBatchRefused(t *testing.T) {
	addr := httpServer(t, Config{}, HTTPOptions{})
	var calls []string
	for i := range 100 {
		calls = append(calls, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"analyze_fake","arguments":{"pcap_file":"a","mode":"watch"}}}`, i))
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/mcp", strings.NewReader("["+strings.Join(calls, ",")+"]"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []rpcError
	err = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusBadRequest || err != nil || len(out) != 100 || !strings.Contains(out[0].Error.Message, "batches") {
		t.Errorf("batch: status %d, %d errors (%v)", resp.StatusCode, len(out), err)
	}
	select {
	case <-watchEntered:
		t.Error("a call of the refused batch ran")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestHTTPConnectionCap: with the cap at 16 connections, 400 silent or
// slow connections do not keep an authenticated client out, and the server
// never holds more than the cap.
func TestHTTPConnectionCap(t *testing.T) {
	var logs pcaptest.SyncBuffer
	addr := httpServer(t, Config{}, HTTPOptions{AuthToken: "s3cret", MaxConnections: 16,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 400 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			c.Write([]byte("POST /mcp HTTP/1.1\r\nHost: x\r\n")) // a header never finished
		}
		conns = append(conns, c)
	}
	hc := &http.Client{Transport: bearer{"s3cret"}, Timeout: 10 * time.Second}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "0"}, nil).Connect(t.Context(),
		&mcp.StreamableClientTransport{Endpoint: "http://" + addr + "/mcp", HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "analyze_fake", Arguments: map[string]any{"pcap_file": "a.pcap"}}); err != nil || res.IsError {
		t.Fatalf("authenticated call among 400 silent connections: %v", err)
	}
	if !strings.Contains(logs.String(), "connection cap reached") {
		t.Errorf("no log of the cap: %s", logs.String())
	}
}

// TestHTTPDisconnectCancels: over HTTP, a call whose client goes away sees
// its context end within a second.
func TestHTTPDisconnectCancels(t *testing.T) {
	addr := httpServer(t, Config{}, HTTPOptions{})
	for _, version := range []string{"", "2025-06-18", "2025-11-25"} {
		t.Run("protocol "+version, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/mcp",
				strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"analyze_fake","arguments":{"pcap_file":"a","mode":"watch"}}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if version != "" {
				req.Header.Set("Mcp-Protocol-Version", version)
			}
			go func() {
				if resp, err := http.DefaultClient.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
			pcaptest.Receive(t, watchEntered, 5*time.Second, "start of the call")
			pcaptest.StopsAfter(t, "the call", "the client left", watchEnded, 5*time.Second, cancel)
		})
	}
}

// TestStdioOversizedLine: a line over the limit is dropped without ending
// the session: its request is answered with an error (its id read from the
// start, or from the end where some clients put it), the log says why, and
// the next request is served. A batch is refused.
func TestStdioOversizedLine(t *testing.T) {
	var logs pcaptest.SyncBuffer
	srv := newTestServer(t)
	cr, sw := io.Pipe()
	sr, cw := io.Pipe()
	go ServeStdio(t.Context(), srv, sr, sw, StdioOptions{MaxMessageBytes: 64 << 10, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	in := bufio.NewReader(cr)
	send := func(s string) {
		if _, err := io.WriteString(cw, s+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() map[string]any {
		line, err := in.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`)
	recv()
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	big := strings.Repeat("x", 1<<20)
	send(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"analyze_fake","arguments":{"pcap_file":"` + big + `"}}}`)
	if m := recv(); m["id"] != float64(7) || !strings.Contains(fmt.Sprint(m["error"]), "message too large") {
		t.Errorf("oversized request (id first): %v", m)
	}
	send(`{"method":"tools/call","params":{"name":"analyze_fake","arguments":{"pcap_file":"` + big + `"}},"jsonrpc":"2.0","id":"late"}`)
	if m := recv(); m["id"] != "late" {
		t.Errorf("oversized request (id last): %v", m)
	}
	send(`[{"jsonrpc":"2.0","id":8,"method":"tools/list"},{"jsonrpc":"2.0","id":9,"method":"tools/list"}]`)
	var batch []rpcError
	line, _ := in.ReadString('\n')
	if err := json.Unmarshal([]byte(line), &batch); err != nil || len(batch) != 2 || string(batch[1].ID) != "9" {
		t.Errorf("batch: %s", line)
	}
	send(`{"jsonrpc":"2.0","id":10,"method":"tools/list"}`)
	if m := recv(); m["id"] != float64(10) || m["result"] == nil {
		t.Errorf("request after the dropped ones: %v", m)
	}
	if !strings.Contains(logs.String(), "dropped an oversized message") {
		t.Errorf("log: %s", logs.String())
	}
	cw.Close()
}

// fullCap is a connection limiter holding two connections, both admitted:
// idle, between requests and quiet for a minute, and other, new; conn
// makes more. Each comes with the peer end its client holds.
func fullCap(t *testing.T) (lim *connLimiter, conn func() (*trackedConn, net.Conn), idle, other *trackedConn, idlePeer, otherPeer net.Conn) {
	lim = &connLimiter{max: 2, logger: slog.New(slog.DiscardHandler), conns: map[*trackedConn]struct{}{}}
	conn = func() (*trackedConn, net.Conn) {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		return &trackedConn{Conn: a, lim: lim}, b
	}
	idle, idlePeer = conn()
	other, otherPeer = conn()
	lim.admit(idle)
	lim.admit(other)
	lim.connState(idle, http.StateIdle)
	idle.active.Store(time.Now().Add(-time.Minute).UnixNano()) // quiet longer than the other
	return
}

// peerClosed reports whether the server closed the connection of peer.
func peerClosed(peer net.Conn) bool {
	peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err := peer.Read(make([]byte, 1))
	return err == io.EOF
}

// TestHTTPCapEvictsSilentFirst: at the cap, a connection that has not sent
// a whole request header is closed before one idle between requests, even
// one quiet for less time. The idle one belongs to a client that has been
// served; closing it under that client's next request failed an
// authenticated call during TestAttackSlowConnections (connection reset).
func TestHTTPCapEvictsSilentFirst(t *testing.T) {
	lim, conn, idle, _, idlePeer, silentPeer := fullCap(t)
	next, _ := conn()
	if !lim.admit(next) {
		t.Fatal("a new connection was refused while one could be evicted")
	}
	if !peerClosed(silentPeer) || peerClosed(idlePeer) {
		t.Errorf("evicted the wrong connection: silent closed %v, idle closed %v", peerClosed(silentPeer), peerClosed(idlePeer))
	}
	if _, ok := lim.conns[idle]; !ok {
		t.Error("the idle connection left the table")
	}
	// With no silent connection left, an idle one makes room.
	lim.connState(next, http.StateIdle)
	last, _ := conn()
	if !lim.admit(last) || !peerClosed(idlePeer) {
		t.Error("the idle connection, quiet longest, was not evicted once no silent one remained")
	}
}

// TestHTTPCapEvictsRefusedFirst: a connection whose request was refused
// (closeAfter: it closes once the refusal is sent, after a linger) goes
// before a client idle between requests, even a quieter one, though it is
// busy. Refused slow-body connections filling the cap evicted the
// authenticated client's in TestAttackSlowConnections.
func TestHTTPCapEvictsRefusedFirst(t *testing.T) {
	lim, conn, _, refused, idlePeer, refusedPeer := fullCap(t)
	lim.connState(refused, http.StateActive)
	// The refusal, as guard and the upload handler make it.
	r := httptest.NewRequestWithContext(withConn(t.Context(), refused), http.MethodPost, "/mcp", nil)
	w := httptest.NewRecorder()
	closeAfter(w, r)
	if w.Header().Get("Connection") != "close" || !refused.refused.Load() {
		t.Fatalf("closeAfter: Connection %q, refused %v", w.Header().Get("Connection"), refused.refused.Load())
	}
	next, _ := conn()
	if !lim.admit(next) {
		t.Fatal("a new connection was refused while a refused one could be evicted")
	}
	if !peerClosed(refusedPeer) || peerClosed(idlePeer) {
		t.Errorf("evicted the wrong connection: refused closed %v, idle closed %v", peerClosed(refusedPeer), peerClosed(idlePeer))
	}
}

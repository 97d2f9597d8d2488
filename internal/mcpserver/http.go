package mcpserver

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mcpacket/mcpacket/internal/analyzer"
)

// Defaults for HTTPOptions.
const (
	DefaultMaxBodyBytes   = 1 << 20          // a request body (tool arguments are small)
	DefaultMaxConnections = 256              // connections held open at once
	DefaultReadTimeout    = 10 * time.Second // a request's headers, then again its body
	DefaultIdleTimeout    = 30 * time.Second // a keep-alive connection between requests
)

// HTTPOptions configures the streamable HTTP server.
type HTTPOptions struct {
	Logger *slog.Logger
	// AuthToken, when set, is the bearer token every /mcp request must
	// carry (Authorization: Bearer <token>); others get 401, before their
	// body is read, and their connection is closed.
	AuthToken string
	// MaxBodyBytes caps a request body; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxConnections caps the connections held open; 0 means
	// DefaultMaxConnections. At the cap, a new connection evicts the one
	// that has been quiet longest among those that have not sent a whole
	// request header (a slow or silent client), or else among those idle
	// between requests; when every connection is serving a request, the
	// new one is closed at once.
	MaxConnections int
	// ReadTimeout bounds the reading of a request's headers, and then of
	// its body; 0 means DefaultReadTimeout. It does not bound the
	// response: a tool call runs for up to the server's --call-timeout.
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle that long; 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Upload, when set, serves POST /captures: the request body, a capture,
	// is passed to it as it arrives, under the same token as /mcp, each
	// read within ReadTimeout. Errors with an HTTPStatus() int method set
	// the response status.
	Upload func(ctx context.Context, name string, body io.Reader) (*analyzer.Upload, error)
	// MaxUploadBytes, when > 0, refuses an upload whose Content-Length is
	// larger before its body is read.
	MaxUploadBytes int64
}

func (o *HTTPOptions) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxConnections <= 0 {
		o.MaxConnections = DefaultMaxConnections
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = DefaultReadTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
}

// HTTPHandler returns an http.Handler serving srv over streamable HTTP at
// /mcp, stateless (every request stands alone, so replicas need no shared
// state), with the SDK's DNS-rebinding protection for loopback listeners and
// cross-origin request protection. /healthz answers 200 for load balancers.
//
// In front of the SDK, every request is checked in this order: the bearer
// token (from its headers alone: a request without it is answered 401 and
// its connection closed, its body never read); then its body is read
// within ReadTimeout and MaxBodyBytes; a JSON-RPC batch is refused (the
// protocol dropped batches in 2025-06-18, and one POST must not carry
// hundreds of calls past the connection cap and --max-concurrent).
func HTTPHandler(srv *mcp.Server, opts HTTPOptions) http.Handler {
	opts.defaults()
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		Stateless:                    true,
		Logger:                       opts.Logger,
		PropagateRequestCancellation: true,
		MaxRequestBodyBytes:          opts.MaxBodyBytes,
	})
	var h http.Handler = http.NewCrossOriginProtection().Handler(mcpHandler)
	h = &guard{next: h, opts: opts}
	mux := http.NewServeMux()
	mux.Handle("/mcp", h)
	if opts.Upload != nil {
		mux.Handle("POST /captures", &uploadHandler{opts: opts})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// guard authenticates a request, then reads its body within the read
// deadline, before the SDK sees it.
type guard struct {
	next http.Handler
	opts HTTPOptions
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// refuse answers and closes the connection without reading (more of)
	// the body: the read deadline in the past ends the server's own
	// attempt to drain it.
	refuse := func(code int, msg string) {
		closeAfter(w, r)
		rc.SetReadDeadline(time.Now())
		http.Error(w, msg, code)
	}
	if !authorized(w, r, g.opts.AuthToken, refuse) {
		return
	}
	if r.ContentLength > g.opts.MaxBodyBytes {
		refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", g.opts.MaxBodyBytes))
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		rc.SetReadDeadline(time.Now().Add(g.opts.ReadTimeout))
		body, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxBodyBytes+1))
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				refuse(http.StatusRequestTimeout, fmt.Sprintf("request body not received within %v", g.opts.ReadTimeout))
				return
			}
			refuse(http.StatusBadRequest, "failed to read the request body")
			return
		}
		if int64(len(body)) > g.opts.MaxBodyBytes {
			refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes", g.opts.MaxBodyBytes))
			return
		}
		// The response may take as long as the call: no read deadline
		// from here on (the server still notices a client that leaves).
		rc.SetReadDeadline(time.Time{})
		if isBatch(body) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write(batchRefusal(body))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	// The SDK ends a call when its client leaves only for the newest
	// protocol version; the tool handler does it for all of them, from
	// the request's context carried as a value (values pass through the
	// SDK's session context; cancellation does not).
	r = r.WithContext(context.WithValue(r.Context(), requestKey{}, r.Context()))
	g.next.ServeHTTP(w, r)
}

// authorized checks a request's bearer token, refusing it with 401 when it
// lacks the token the server needs.
func authorized(w http.ResponseWriter, r *http.Request, token string, refuse func(int, string)) bool {
	if token != "" && !validBearer(r.Header.Get("Authorization"), token) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mcpacket"`)
		refuse(http.StatusUnauthorized, "unauthorized: this server needs Authorization: Bearer <token>")
		return false
	}
	return true
}

// requestKey keys the context of the HTTP request a call came in.
type requestKey struct{}

// errClientGone ends a call whose HTTP client went away.
var errClientGone = errors.New("the client went away")

// withRequest returns ctx, ended also when the HTTP request it came in ends
// (its client closed the connection), and a function releasing the link.
func withRequest(ctx context.Context) (context.Context, func()) {
	req, ok := ctx.Value(requestKey{}).(context.Context)
	if !ok {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(req, func() { cancel(errClientGone) })
	return ctx, func() { stop(); cancel(nil) }
}

// validBearer reports whether an Authorization header carries the token
// (the scheme's case does not matter, RFC 9110 §11.1).
func validBearer(h, token string) bool {
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(token)) == 1
}

// HTTPServer is the streamable HTTP server: HTTPHandler behind the
// connection cap and the timeouts of HTTPOptions.
type HTTPServer struct {
	http *http.Server
	lim  *connLimiter
}

// NewHTTPServer returns a server for srv configured by opts.
func NewHTTPServer(srv *mcp.Server, opts HTTPOptions) *HTTPServer {
	opts.defaults()
	lim := &connLimiter{max: opts.MaxConnections, logger: opts.Logger, conns: map[*trackedConn]struct{}{}}
	return &HTTPServer{
		http: &http.Server{
			Handler:           HTTPHandler(srv, opts),
			ReadHeaderTimeout: opts.ReadTimeout,
			IdleTimeout:       opts.IdleTimeout,
			MaxHeaderBytes:    64 << 10,
			ConnState:         lim.connState,
			ConnContext:       withConn,
			ErrorLog:          slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
		},
		lim: lim,
	}
}

// Serve accepts connections on ln until Shutdown.
func (s *HTTPServer) Serve(ln net.Listener) error {
	return s.http.Serve(&limitListener{Listener: ln, lim: s.lim})
}

// Shutdown stops accepting and waits for the requests in flight, as
// http.Server.Shutdown does.
func (s *HTTPServer) Shutdown(ctx context.Context) error {
	return s.http.Shutdown(ctx)
}

// connLimiter caps the connections held open. Each connection is tracked
// with its HTTP state and the last time it sent bytes.
type connLimiter struct {
	max    int
	logger *slog.Logger

	mu    sync.Mutex
	conns map[*trackedConn]struct{}

	evicted, refused atomic.Int64
	lastLog          atomic.Int64 // unix nanoseconds of the last log line
}

// trackedConn is a connection under the cap.
type trackedConn struct {
	net.Conn
	lim    *connLimiter
	state  atomic.Int32 // http.ConnState
	active atomic.Int64 // when it last sent bytes, Unix nanoseconds
	// refused is set when a request on it was refused (closeAfter): the
	// server closes it once the refusal is sent, after a short linger.
	refused atomic.Bool
	once    sync.Once
}

// connKey keys the *trackedConn of a request's connection in its context.
type connKey struct{}

// withConn is the server's ConnContext: it puts the connection in the
// context of every request on it.
func withConn(ctx context.Context, nc net.Conn) context.Context {
	if c, ok := nc.(*trackedConn); ok {
		return context.WithValue(ctx, connKey{}, c)
	}
	return ctx
}

// closeAfter marks r's connection as refused: it is closed once the
// answer is sent, so at the connection cap it goes first (before a client
// waiting between requests on its keep-alive connection).
func closeAfter(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	if c, ok := r.Context().Value(connKey{}).(*trackedConn); ok {
		c.refused.Store(true)
	}
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.active.Store(time.Now().UnixNano())
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.lim.mu.Lock()
		delete(c.lim.conns, c)
		c.lim.mu.Unlock()
	})
	return c.Conn.Close()
}

// evictable reports whether the connection may be closed to make room: it
// has not sent a whole request header yet, sits idle between requests, or
// was refused (it closes anyway).
func (c *trackedConn) evictable() bool {
	st := http.ConnState(c.state.Load())
	return st == http.StateNew || st == http.StateIdle || c.refused.Load()
}

func (l *connLimiter) connState(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*trackedConn)
	if !ok {
		return
	}
	c.state.Store(int32(st))
	if st == http.StateClosed || st == http.StateHijacked {
		c.once.Do(func() {
			l.mu.Lock()
			delete(l.conns, c)
			l.mu.Unlock()
		})
	}
}

// quieter reports whether a is to be evicted before b: a refused
// connection (closing anyway) goes first, then one that has not sent a
// whole request header, then one idle between requests (a client that has
// been served, whose next request on a closed keep-alive connection would
// fail), and among equals the one quiet longest.
func quieter(a, b *trackedConn) bool {
	if ar, br := a.refused.Load(), b.refused.Load(); ar != br {
		return ar
	}
	an, bn := http.ConnState(a.state.Load()) == http.StateNew, http.ConnState(b.state.Load()) == http.StateNew
	if an != bn {
		return an
	}
	return a.active.Load() < b.active.Load()
}

// admit takes c under the cap, evicting the quietest evictable connection
// when it is reached; it reports false when no connection can make room.
func (l *connLimiter) admit(c *trackedConn) bool {
	c.state.Store(int32(http.StateNew))
	c.active.Store(time.Now().UnixNano())
	l.mu.Lock()
	var victim *trackedConn
	if len(l.conns) >= l.max {
		for o := range l.conns {
			if o.evictable() && (victim == nil || quieter(o, victim)) {
				victim = o
			}
		}
		if victim == nil {
			l.mu.Unlock()
			l.refused.Add(1)
			l.report()
			return false
		}
		delete(l.conns, victim)
	}
	l.conns[c] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		victim.Conn.Close()
		l.evicted.Add(1)
		l.report()
	}
	return true
}

// report logs the evictions and refusals, at most every 10 seconds.
func (l *connLimiter) report() {
	t, last := time.Now().UnixNano(), l.lastLog.Load()
	if t-last < int64(10*time.Second) || !l.lastLog.CompareAndSwap(last, t) {
		return
	}
	l.logger.Warn("connection cap reached (--max-connections): closed quiet connections to make room, refused new ones while every connection was busy",
		"max_connections", l.max, "evicted", l.evicted.Load(), "refused", l.refused.Load())
}

// limitListener hands out connections under the cap.
type limitListener struct {
	net.Listener
	lim *connLimiter
}

func (ll *limitListener) Accept() (net.Conn, error) {
	for {
		nc, err := ll.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c := &trackedConn{Conn: nc, lim: ll.lim}
		if ll.lim.admit(c) {
			return c, nil
		}
		nc.Close()
	}
}

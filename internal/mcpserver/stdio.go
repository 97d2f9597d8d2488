package mcpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// StdioOptions configures the stdio transport.
type StdioOptions struct {
	Logger *slog.Logger
	// MaxMessageBytes caps one line (one JSON-RPC message); 0 means
	// DefaultMaxBodyBytes, the HTTP body limit.
	MaxMessageBytes int
}

// ServeStdio serves srv over r and w (newline-delimited JSON-RPC) until the
// client closes r or ctx ends. A line longer than MaxMessageBytes is
// dropped, not read into memory: the server log says so, the request is
// answered with an error when its id can be read from its start, and the
// session goes on. A batch is refused the same way.
func ServeStdio(ctx context.Context, srv *mcp.Server, r io.Reader, w io.Writer, opts StdioOptions) error {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxBodyBytes
	}
	sw := &syncWriter{w: w}
	lr := &lineReader{r: bufio.NewReaderSize(r, 64<<10), w: sw, max: opts.MaxMessageBytes, logger: opts.Logger}
	return srv.Run(ctx, &mcp.IOTransport{Reader: io.NopCloser(lr), Writer: nopWriteCloser{sw}, MaxLineLength: 2 * opts.MaxMessageBytes})
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// syncWriter serializes writes: the SDK writes each message in one Write,
// and the line reader's own answers must not land in the middle of one.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// lineReader hands the SDK one line at a time, dropping the lines it must
// not see: longer than max, or batches.
type lineReader struct {
	r      *bufio.Reader
	w      io.Writer
	max    int
	logger *slog.Logger
	line   []byte
	off    int
	err    error
}

func (l *lineReader) Read(p []byte) (int, error) {
	for l.off >= len(l.line) {
		if l.err != nil {
			return 0, l.err
		}
		l.next()
	}
	n := copy(p, l.line[l.off:])
	l.off += n
	return n, nil
}

// next reads the next line into l.line, or drops it.
func (l *lineReader) next() {
	l.line, l.off = l.line[:0], 0
	for {
		frag, err := l.r.ReadSlice('\n')
		if len(l.line)+len(frag) > l.max+1 { // +1: the newline
			// Too long: keep its first and last bytes (where an id is)
			// and skip the rest without holding it.
			whole := append(l.line, frag...)
			head := bytes.Clone(whole[:min(len(whole), headBytes)])
			tail := bytes.Clone(whole[max(0, len(whole)-headBytes):])
			n := int64(len(whole))
			for err == bufio.ErrBufferFull {
				frag, err = l.r.ReadSlice('\n')
				n += int64(len(frag))
				tail = append(tail, frag...)
				tail = append(tail[:0:0], tail[max(0, len(tail)-headBytes):]...)
			}
			l.dropTooLong(head, tail, n)
			l.line = l.line[:0]
			if err != nil {
				l.err = err
			}
			return
		}
		l.line = append(l.line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			l.err = err
		}
		break
	}
	if isBatch(l.line) && json.Valid(l.line) {
		l.logger.Warn("stdio: refused a JSON-RPC batch", "bytes", len(l.line))
		l.answer(batchRefusal(l.line))
		l.line = l.line[:0]
	}
}

// headBytes is how much of a dropped line is kept to find its id.
const headBytes = 4096

func (l *lineReader) dropTooLong(head, tail []byte, n int64) {
	msg := fmt.Sprintf("message too large: a line of %d bytes, over this server's limit of %d bytes; it was dropped", n, l.max)
	id := topLevelID(head)
	if id == nil {
		id = trailingID(tail)
	}
	l.logger.Error("stdio: dropped an oversized message", "bytes", n, "limit", l.max, "id", string(id))
	if id == nil {
		return
	}
	b, _ := json.Marshal(errorResponse(id, codeInvalidRequest, msg))
	l.answer(b)
}

func (l *lineReader) answer(b []byte) {
	if _, err := l.w.Write(append(b, '\n')); err != nil {
		l.logger.Error("stdio: answering a dropped message", "error", err)
	}
}

// trailingIDPattern is an "id" member that closes the outermost object at
// the end of a line, where some clients put it.
var trailingIDPattern = regexp.MustCompile(`"id"\s*:\s*(-?[0-9]+|"(?:[^"\\]|\\.)*")\s*}\s*$`)

// trailingID finds the "id" member at the end of a message, or nil.
func trailingID(tail []byte) json.RawMessage {
	m := trailingIDPattern.FindSubmatch(tail)
	if m == nil {
		return nil
	}
	return json.RawMessage(bytes.Clone(m[1]))
}

// topLevelID finds the "id" member of the JSON object that head starts
// (a number or a string), or nil.
func topLevelID(head []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(head))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		if key == "id" {
			var id json.RawMessage
			if err := dec.Decode(&id); err != nil {
				return nil
			}
			if len(id) > 0 && (id[0] == '"' || id[0] == '-' || id[0] >= '0' && id[0] <= '9') {
				return id
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

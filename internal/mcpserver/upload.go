package mcpserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mcpacket/mcpacket/internal/result"
)

// uploadHandler serves POST /captures?name=NAME: the body is a capture,
// streamed to HTTPOptions.Upload. It answers 201 with the stored name
// (what to pass as pcap_file) and its expiry, or an error status: 401
// without the token, 400 for a bad name, 413 over the size cap, 415 for
// content that is no capture, 507 when the upload space is full.
type uploadHandler struct{ opts HTTPOptions }

// UploadResponse is the JSON body of a successful POST /captures.
type UploadResponse struct {
	Name      string `json:"name"`      // pass it as pcap_file
	PcapFile  string `json:"pcap_file"` // the same name
	Path      string `json:"path"`      // absolute path on the server
	SizeBytes int64  `json:"size_bytes"`
	Format    string `json:"format"`
	Expires   string `json:"expires"` // RFC 3339 UTC
}

func (h *uploadHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	refuse := func(code int, msg string) {
		closeAfter(w, r)
		rc.SetReadDeadline(time.Now())
		http.Error(w, msg, code)
	}
	if !authorized(w, r, h.opts.AuthToken, refuse) {
		return
	}
	if h.opts.MaxUploadBytes > 0 && r.ContentLength > h.opts.MaxUploadBytes {
		refuse(http.StatusRequestEntityTooLarge, fmt.Sprintf("upload of %d bytes: over the limit of %d bytes per upload (the server's --max-upload-bytes)", r.ContentLength, h.opts.MaxUploadBytes))
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "capture.pcap"
	}
	body := &deadlineReader{r: r.Body, rc: rc, timeout: h.opts.ReadTimeout}
	up, err := h.opts.Upload(r.Context(), name, body)
	if err != nil {
		code := http.StatusBadRequest
		var st interface{ HTTPStatus() int }
		switch {
		case errors.As(err, &st):
			code = st.HTTPStatus()
		case body.err != nil:
			code = http.StatusRequestTimeout
		default:
			code = http.StatusInternalServerError
		}
		h.opts.Logger.Info("upload refused", "name", result.Text(name, 120), "status", code, "error", err)
		refuse(code, err.Error())
		return
	}
	h.opts.Logger.Info("upload stored", "name", up.Name, "bytes", up.Size)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/captures/"+up.Name)
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(UploadResponse{Name: up.Name, PcapFile: up.Name, Path: up.Path, SizeBytes: up.Size,
		Format: up.Format, Expires: result.FormatTime(up.Expires)})
}

// deadlineReader reads a request body with a read deadline renewed before
// each read: a slow upload goes on while bytes arrive, a stalled one ends
// after timeout.
type deadlineReader struct {
	r       io.Reader
	rc      *http.ResponseController
	timeout time.Duration
	err     error // the first read error other than EOF
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	d.rc.SetReadDeadline(time.Now().Add(d.timeout))
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF && d.err == nil {
		d.err = err
	}
	return n, err
}

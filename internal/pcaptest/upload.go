package pcaptest

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"
)

// PostCapture sends body to an upload endpoint (base is
// http://host:port) as POST /captures?name=name, with the bearer token
// when one is given, and returns the status and response body. It asks
// to continue first (Expect: 100-continue, as curl does for large
// bodies): the server refuses an upload (no token, over the cap) without
// reading its body and closes the connection, so a client that sent the
// body at once could see the connection reset before the refusal.
func PostCapture(t testing.TB, base, name, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/captures?name="+name, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Expect", "100-continue")
	tr := &http.Transport{ExpectContinueTimeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

package pcaptest

import (
	"bytes"
	"io"
	"net/http"
	"testing"
)

// PostCapture sends body to an upload endpoint (base is
// http://host:port) as POST /captures?name=name, with the bearer token
// when one is given, and returns the status and response body.
func PostCapture(t testing.TB, base, name, token string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/captures?name="+name, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

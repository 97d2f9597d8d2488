package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// defaultHealthURL is the container image's server: mcpacket serve
// --transport http --port 8080 inside the container.
const defaultHealthURL = "http://127.0.0.1:8080/healthz"

// healthcheck asks a server's /healthz whether it serves, for a
// container's HEALTHCHECK: the image is a static binary on an empty base,
// with no curl or wget to ask for it. Exit 0 when the answer is 200 "ok",
// else 1 with the reason on stderr.
func (a *App) healthcheck(ctx context.Context, args []string) int {
	url := defaultHealthURL
	switch {
	case len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		url = args[0]
	case len(args) > 0:
		fmt.Fprintf(a.Stderr, "Usage: mcpacket healthcheck [URL]\n\nExit 0 if GET URL (default %s) answers 200 ok within 5s.\n", defaultHealthURL)
		if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
			return ExitOK
		}
		return ExitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket healthcheck: %v\n", err)
		return ExitUsage
	}
	// No proxy: the server asked about is this machine's (or this pod's).
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(a.Stderr, "mcpacket healthcheck: %v\n", err)
		return ExitError
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64))
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		fmt.Fprintf(a.Stderr, "mcpacket healthcheck: %s answered %s\n", url, resp.Status)
		return ExitError
	}
	fmt.Fprintln(a.Stdout, "ok")
	return ExitOK
}

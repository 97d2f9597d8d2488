#!/usr/bin/env bash
# Builds the image of ./Dockerfile with podman (daemonless: Debian's podman,
# buildah and runc) and runs it as the README's `docker run` does (its
# default arguments: HTTP on 8080, --root /captures, token from
# MCPACKET_AUTH_TOKEN; a captures folder mounted read-only), then checks it:
# /healthz and the HEALTHCHECK answer, /mcp refuses a request without the
# token, tools/list and a capture analysis over HTTP, the user is not root.
# .ci/run runs it; it says in one line why when it skips.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v busybox >/dev/null; then
	echo "--- installing podman, buildah, runc, busybox-static (Debian)"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || true
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman buildah runc busybox-static >/dev/null ||
		{ echo "container: SKIPPED: podman could not be installed from Debian"; exit 0; }
fi
# crun (podman's default) refuses this machine's hybrid cgroups; runc runs.
# The sandbox lets a container lower its limits but not raise them.
podman=(podman --runtime runc)
limits=(--ulimit "nofile=$(ulimit -n):$(ulimit -n)" --ulimit "nproc=4096:4096")

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
image=localhost/mcpacket:ci

# The build stage's base. golang:1.26-bookworm is on Docker Hub, which this
# machine cannot reach (podman pull: "dial tcp: lookup registry-1.docker.io
# ...: no such host"); a local image stands in for it, made of this
# machine's Go toolchain, busybox as /bin/sh and the CA certificates.
go_image=docker.io/library/golang:1.26-bookworm
if ! "${podman[@]}" image exists "$go_image" && ! timeout 60 "${podman[@]}" pull -q "$go_image" >/dev/null 2>&1; then
	go_image=localhost/mcpacket-go:local
	if ! "${podman[@]}" image exists "$go_image"; then
		echo "--- making $go_image from $(go env GOROOT) (Docker Hub unreachable)"
		ctr=$(buildah from scratch)
		mnt=$(buildah mount "$ctr")
		mkdir -p "$mnt/usr/local" "$mnt/bin" "$mnt/etc/ssl/certs" "$mnt/tmp" "$mnt/root"
		chmod 1777 "$mnt/tmp"
		cp -a "$(go env GOROOT)" "$mnt/usr/local/go"
		cp "$(command -v busybox)" "$mnt/bin/busybox"
		chroot "$mnt" /bin/busybox --install -s /bin
		cp /etc/ssl/certs/ca-certificates.crt "$mnt/etc/ssl/certs/"
		buildah umount "$ctr" >/dev/null
		buildah config --env PATH=/usr/local/go/bin:/bin --env GOTOOLCHAIN=local --env HOME=/root --env GOPATH=/root/go "$ctr"
		buildah commit -q "$ctr" "$go_image" >/dev/null
		buildah rm "$ctr" >/dev/null
	fi
fi

# As the README: docker build -t mcpacket .
echo "--- podman build (Dockerfile, build stage on $go_image)"
# The host's module and build caches are lent to the build stage's RUN
# steps (they only make it faster); --network host reaches the Go proxy.
start=$(date +%s)
"${podman[@]}" build -q --format docker --network host \
	--volume "$(go env GOMODCACHE):/root/go/pkg/mod" --volume "$(go env GOCACHE):/root/.cache/go-build" \
	--build-arg GO_IMAGE="$go_image" --build-arg VERSION="$VERSION" -t "$image" . >/dev/null
echo "built $image in $(($(date +%s) - start)) s, $("${podman[@]}" image inspect --format '{{.Size}}' "$image") bytes"

user=$("${podman[@]}" image inspect --format '{{.Config.User}}' "$image")
[ "$user" = "65532:65532" ] || { echo "container: the image runs as '$user', want 65532:65532"; exit 1; }

captures=$(mktemp -d)
cp examples/dhcp.pcap "$captures/"
chmod -R a+rX "$captures"
token=ci-$RANDOM$RANDOM
name=mcpacket-ci-$$
cleanup() { "${podman[@]}" rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$captures" "$captures.err"; }
trap cleanup EXIT
# As the README: docker run --rm -p 8080:8080 -e MCPACKET_AUTH_TOKEN=... -v "$PWD:/captures:ro" mcpacket
# (a free port here in place of 8080).
# (podman logs that it cannot schedule the periodic health check without
# systemd; `podman healthcheck run` below runs it once.)
"${podman[@]}" run -d --rm --name "$name" "${limits[@]}" -p 127.0.0.1::8080 \
	-e MCPACKET_AUTH_TOKEN="$token" -v "$captures:/captures:ro" "$image" >/dev/null 2>"$captures.err" ||
	{ cat "$captures.err"; exit 1; }
port=$("${podman[@]}" port "$name" 8080/tcp | sed 's/.*://')
base=http://127.0.0.1:$port
for _ in $(seq 100); do
	curl -fsS -m 2 "$base/healthz" >/dev/null 2>&1 && break
	sleep 0.2
done
[ "$(curl -fsS -m 5 "$base/healthz")" = ok ] || { echo "container: /healthz does not answer ok"; "${podman[@]}" logs "$name"; exit 1; }
"${podman[@]}" healthcheck run "$name" >/dev/null || { echo "container: HEALTHCHECK failed"; exit 1; }

mcp() {
	curl -sS -m 60 "$base/mcp" -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' "$@"
}
code=$(mcp -o /dev/null -w '%{http_code}' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
[ "$code" = 401 ] || { echo "container: /mcp without the token answered $code, want 401"; exit 1; }
auth=(-H "Authorization: Bearer $token")
init='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"container.sh","version":"1"}}}'
mcp "${auth[@]}" -d "$init" | grep -q '"serverInfo"' || { echo "container: initialize failed"; exit 1; }
tools=$(mcp "${auth[@]}" -H 'Mcp-Protocol-Version: 2025-06-18' -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}')
for t in analyze_overview analyze_capinfos list_captures; do
	grep -q "\"name\":\"$t\"" <<<"$tools" || { echo "container: tools/list has no $t:"; echo "$tools" | head -c 2000; exit 1; }
done
call=$(mcp "${auth[@]}" -H 'Mcp-Protocol-Version: 2025-06-18' \
	-d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"analyze_capinfos","arguments":{"pcap_file":"dhcp.pcap"}}}')
grep -q 'packet_count[\\"]*:[ ]*4' <<<"$call" || { echo "container: analyze_capinfos on /captures/dhcp.pcap:"; echo "$call" | head -c 2000; exit 1; }
echo "container: image $image (version $VERSION) serves tools/list and analyses /captures over HTTP; healthcheck ok; runs as $user"

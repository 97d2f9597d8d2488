#!/usr/bin/env bash
# Builds the MCP Bundle dist/mcpacket-<version>.mcpb for Claude Desktop:
# static binaries (CGO_ENABLED=0, version stamped as `make build` does) for
# linux/amd64, linux/arm64, darwin/amd64, darwin/arm64 and windows/amd64
# under server/, the launcher server/mcpacket, and manifest.json generated
# from the binary for this machine (packaging/mcpbgen); then the pinned mcpb
# CLI (packaging/package.json) validates the manifest and packs the bundle.
# Needs Go, Node.js and npm. Prints the bundle's path last.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo devel)}
LDFLAGS="-X github.com/mcpacket/mcpacket/internal/cli.buildVersion=$VERSION"

stage=dist/mcpb
rm -rf "$stage"
mkdir -p "$stage/server"
host="$(go env GOHOSTOS)-$(go env GOHOSTARCH)"
hostbin=""
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
	os=${target%/*} arch=${target#*/}
	out="$stage/server/mcpacket-$os-$arch"
	[ "$os" = windows ] && out="$out.exe"
	echo "--- go build $target"
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -ldflags "$LDFLAGS" -o "$out" ./cmd/mcpacket
	[ "$os-$arch" = "$host" ] && hostbin=$out
done
install -m 0755 packaging/mcpacket.sh "$stage/server/mcpacket"
cp LICENSE NOTICE "$stage/"
if [ -z "$hostbin" ]; then
	echo "build-mcpb: no binary of the bundle runs on $host, so none can list the tools for the manifest" >&2
	exit 1
fi
go run ./packaging/mcpbgen -bin "$hostbin" -version "$VERSION" -o "$stage/manifest.json"
# The manifest's version: a semantic version (v1.2.3 -> 1.2.3, a commit -> 0.0.0-<commit>).
mver=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$stage/manifest.json")

npm ci --prefix packaging --no-audit --no-fund --loglevel=error
mcpb=packaging/node_modules/.bin/mcpb
"$mcpb" validate "$stage/manifest.json"
bundle="dist/mcpacket-$mver.mcpb"
rm -f "$bundle"
"$mcpb" pack "$stage" "$bundle"
echo "$bundle"

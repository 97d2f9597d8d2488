#!/bin/sh
# The MCP Bundle's entry point on macOS and Linux: runs the mcpacket binary
# built for this machine's OS and CPU (the bundle carries one per platform;
# Windows runs mcpacket-windows-amd64.exe directly).
dir=$(dirname "$0")
case "$(uname -s)-$(uname -m)" in
Linux-x86_64 | Linux-amd64) bin=mcpacket-linux-amd64 ;;
Linux-aarch64 | Linux-arm64) bin=mcpacket-linux-arm64 ;;
Darwin-x86_64) bin=mcpacket-darwin-amd64 ;;
Darwin-arm64) bin=mcpacket-darwin-arm64 ;;
*)
	echo "mcpacket: this bundle has no binary for $(uname -s) $(uname -m)" >&2
	exit 1
	;;
esac
# An unzipped bundle may have lost the executable bit.
[ -x "$dir/$bin" ] || chmod +x "$dir/$bin" 2>/dev/null
exec "$dir/$bin" "$@"

# mcpacket as a container image: the static binary on an empty base, run as
# a non-root user, serving streamable HTTP at :8080/mcp with the captures of
# the volume mounted at /captures. The token comes from MCPACKET_AUTH_TOKEN
# (the server refuses to listen on 0.0.0.0 without one):
#
#   docker build -t mcpacket .
#   docker run --rm -p 8080:8080 -e MCPACKET_AUTH_TOKEN=... -v "$PWD:/captures:ro" mcpacket
#
# GET /healthz answers "ok" without a token: HEALTHCHECK runs
# "mcpacket healthcheck" (the image has no shell, curl or wget), and an
# orchestrator may probe the same path over HTTP. packaging/container.sh
# builds and runs this image in CI.

# The build stage: any image with Go 1.26 and /bin/sh.
ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm
FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The version stamped as `make build` does (pass --build-arg VERSION=$(git describe --tags --always)).
ARG VERSION=devel
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -ldflags "-X github.com/mcpacket/mcpacket/internal/cli.buildVersion=${VERSION}" -o /out/mcpacket ./cmd/mcpacket \
 && mkdir -p /out/captures

FROM scratch
# The MCP registry checks that the image belongs to server.json's server.
LABEL io.modelcontextprotocol.server.name="io.github.mcpacket/mcpacket" \
      org.opencontainers.image.source="https://github.com/mcpacket/mcpacket" \
      org.opencontainers.image.licenses="Apache-2.0"
# CA certificates, for captures fetched from https URLs.
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/mcpacket /mcpacket
COPY --from=build --chown=65532:65532 /out/captures /captures
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=6s --start-period=5s CMD ["/mcpacket", "healthcheck", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/mcpacket"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8080", "--root", "/captures"]

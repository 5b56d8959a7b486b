# syntax=docker/dockerfile:1
#
# ccflow container image: one static binary, all modes.
#
#   docker build -t ccflow .
#   docker run --rm -p 8080:8080 -p 8233:8233 -v ccflow-data:/data ccflow   # all-in-one (embedded Temporal, UI on 8233, SQLite)
#   docker run ... ccflow server | ccflow worker | ccflow migrate       # split mode, see docker-compose.yml
#
# Build stage: Go from go.mod's 1.26 line. GO_VERSION can pin a patch release
# (--build-arg GO_VERSION=1.26.8); the golang image sets GOTOOLCHAIN=local, so its
# Go must be at least the go.mod's `go 1.26.8` (use `docker build --pull` if a cached
# golang:1.26 is older).
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH

# Pin the cache locations so the cache mounts below are used whatever the base
# image's GOPATH default is.
ENV GOMODCACHE=/root/go/pkg/mod \
    GOCACHE=/root/.cache/go-build \
    CGO_ENABLED=0

WORKDIR /src

# Dependencies first: this layer is only redone when go.mod/go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod \
    go mod download

COPY . .
# CGO_ENABLED=0 gives a fully static binary for the distroless "static" image.
# Everything must therefore be pure Go: the embedded Temporal server's SQLite is
# modernc.org/sqlite, and the SQLite app database must use that same driver too.
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/ccflow ./cmd/ccflow \
 && mkdir -p /out/data

# Runtime stage: no shell, no package manager, CA certificates and tzdata included
# (webhook pushes go out over HTTPS). Runs as the "nonroot" user (65532).
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/ccflow /usr/local/bin/ccflow
# The data directory must exist and belong to the non-root user: an empty named
# volume mounted here takes over this ownership on first use.
COPY --from=build --chown=65532:65532 /out/data /data

ENV CCFLOW_DATA_DIR=/data \
    CCFLOW_HTTP_ADDR=0.0.0.0:8080

USER nonroot:nonroot
WORKDIR /data
EXPOSE 8080

# No HEALTHCHECK here: the right probe depends on the mode (a one-shot `migrate`
# must not get one). docker-compose.yml sets `ccflow healthcheck` (GET /readyz on
# CCFLOW_HTTP_ADDR, exit 0/1) on the services that serve HTTP. For a plain
# `docker run`, add: --health-cmd "ccflow healthcheck".
ENTRYPOINT ["ccflow"]

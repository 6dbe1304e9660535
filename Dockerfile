# The Cairn image: one static binary on an empty base. Build it with `make image`,
# which compiles bin/docker/cairn on the host (CGO off) and stages the CA bundle
# beside it, then runs `docker build` here. No step pulls an image, so it builds
# without a registry; on a machine with one it builds the same way. To build without
# Go on the host, see deploy/docker/Dockerfile.source (needs a registry for golang).
#
#   docker run -d -p 9000:9000 -p 9001:9001 -v cairn-data:/data cairn:latest
#
# Settings come from CAIRN_<FLAG> variables (docs/deployment.md); /data is the volume.
FROM scratch

ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=https://github.com/cairnstore/cairn

LABEL org.opencontainers.image.title="cairn" \
      org.opencontainers.image.description="Cairn, a distributed S3-compatible object store" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}"

# passwd/group name the unprivileged user 10001; certificates let the node reach
# TLS endpoints (site sync to another S3 service).
COPY deploy/docker/passwd deploy/docker/group /etc/
COPY bin/docker/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --chown=10001:10001 bin/docker/rootfs/ /
COPY bin/docker/cairn /cairn

USER 10001:10001
ENV CAIRN_DATA=/data
VOLUME ["/data"]
WORKDIR /data

# S3, admin (health, metrics, console), gossip (TCP and UDP), Raft, node-to-node RPC.
EXPOSE 9000 9001 7946/tcp 7946/udp 7947 7948

HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/cairn", "healthcheck"]

ENTRYPOINT ["/cairn"]
CMD ["server"]

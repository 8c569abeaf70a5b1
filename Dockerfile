# syntax=docker/dockerfile:1
# MCP Gateway: build with the dev toolchain, run with production dependencies only.
#
# Node 22 LTS, pinned to a release (both stages: keep them the same): a floating tag such as
# node:22-slim changes under a rebuild. Adding the digest (node:22.23.3-slim@sha256:...) would
# pin the Debian layers too and survive a re-pushed tag; take it from
# `docker buildx imagetools inspect node:22.23.3-slim` when you bump the version.

FROM node:22.23.3-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY mcp_servers ./mcp_servers
COPY bench ./bench
COPY examples ./examples
COPY scripts ./scripts
RUN npm run build

FROM node:22.23.3-slim AS runtime
# tini as PID 1: it passes SIGTERM/SIGINT on to node and reaps the orphans that stdio servers
# leave (npx -> sh -> node ...), which node as PID 1 would leave as zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
# No GATEWAY_PORT here: the gateway listens on GATEWAY_PORT, else PORT (Cloud Run, Render,
# Heroku set it), else 8000; baking GATEWAY_PORT in would hide the platform's PORT.
ENV NODE_ENV=production \
    # A container is reached through its network interface, not loopback.
    GATEWAY_HOST=0.0.0.0 \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY servers.json ./servers.json
# The image's unprivileged user; nothing in /app is writable by it. Its home (/home/node) holds
# the npm cache that `npx -y` stdio servers need.
USER node
EXPOSE 8000
# The port the gateway chose, by the same rule.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const e=process.env;fetch('http://127.0.0.1:'+(e.GATEWAY_PORT||e.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards the signal to node only (no -g: stdio servers share node's process group and
# must not get SIGTERM before the drain ends; the gateway closes them itself), and exits with
# node's status: SIGTERM -> drain -> exit 0. Exec form, no shell in between.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/main.js"]

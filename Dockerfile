# syntax=docker/dockerfile:1
# MCP Gateway: build with the dev toolchain, run with production dependencies only.

FROM node:24-slim AS build
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

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    # A container is reached through its network interface, not loopback.
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=8000 \
    LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY servers.json ./servers.json
# The image's unprivileged user; nothing in /app is writable by it.
USER node
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GATEWAY_PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form, no shell in between: SIGTERM reaches the gateway, which drains and exits 0.
CMD ["node", "dist/src/main.js"]

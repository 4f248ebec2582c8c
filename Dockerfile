# syntax=docker/dockerfile:1
#
# flux-pipelines-api container image.
#
#   docker build -t ghcr.io/your-org/flux-pipelines-api:latest .
#
# Two stages: "build" installs every dependency and compiles TypeScript to dist/;
# the final stage holds only production dependencies, dist/ and the demo snapshot.

# Current Node.js LTS, major version pinned (both stages use the same base).
ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# Dependencies first so this layer is cached until the lockfile changes.
# --ignore-scripts: the package's `prepare` script would run tsc now, before the
# sources are copied in; the build runs explicitly below instead. (No dependency
# needs an install script.)
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts

COPY tsconfig.json schema.graphql ./
COPY src ./src
COPY scripts ./scripts
# The pipeline page: built into dist/web, its client generated from schema.graphql.
COPY web ./web
RUN npm run build

# ---------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app

# Production dependencies only; --ignore-scripts so `prepare` (tsc, a dev
# dependency) does not run here.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts \
 && npm cache clean --force

COPY --from=build /app/dist ./dist
# The built-in demo data (--source demo): found by walking up from dist/src/...
# to the directory holding package.json and demo/snapshot, i.e. /app.
COPY demo/snapshot ./demo/snapshot

# Everything above is owned by root and read-only to the app. Run as the image's
# `node` user, given numerically (UID/GID 1000) so Kubernetes' runAsNonRoot can
# verify it.
USER 1000:1000

EXPOSE 4000
# Exec form: node is PID 1 and receives SIGTERM directly, so it can drain
# in-flight requests before exiting. The service is the entrypoint and CMD only its
# arguments: a Kubernetes `args:` (deploy/deployment.yaml) replaces CMD, and with node in
# CMD the base image's own entrypoint ran `node --source kube ...`, which exits ("bad
# option"). `docker run <image> --source demo` works the same way.
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["--source", "kube"]

# syntax=docker/dockerfile:1
#
# One image for every Flotilla process; the Deployment or Job picks the program with its args:
#   API        node dist/apps/assessment/src/main.js
#   executor   node dist/apps/executor/src/main.js
#   migrations node dist/apps/cli/src/main.js migrate
#
#   docker build -t registry.example.com/flotilla/flotilla:0.1.0 .
#   docker run --rm -e DATABASE_URL=... registry.example.com/flotilla/flotilla:0.1.0 dist/apps/cli/src/main.js migrate
#
# Pin the base image by digest in release builds: --build-arg NODE_IMAGE=node:20-bookworm-slim@sha256:...

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
RUN npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Flotilla" \
      org.opencontainers.image.description="Assess, plan and execute vSphere to KubeVirt migrations in waves"
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    FLOTILLA_DATA_DIR=/tmp/flotilla
WORKDIR /app
# Owned by root and not writable by the process: the code cannot be changed at run time, and the
# root filesystem can be mounted read-only (only /tmp needs a volume).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The base image's unprivileged `node` user (uid 1000); the manifests run as the same uid.
USER 1000:1000
EXPOSE 3000 9090
# node as PID 1 is fine: both apps handle SIGTERM themselves (drain, then exit) and spawn no children.
ENTRYPOINT ["node"]
CMD ["dist/apps/assessment/src/main.js"]

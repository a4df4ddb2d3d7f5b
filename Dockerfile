# Berth's services in one image: `docker run berth <service>` (api, account, engine-registry,
# heartbeat, projector, scheduler, docker-executor, router, agent). Configure it with the
# environment of README's "Production layout"; the router also needs haproxy on the machine.
FROM node:20-bookworm AS build
WORKDIR /src
COPY . .
RUN npm ci && npm run build

FROM node:20-bookworm-slim
COPY --from=build /src/dist /opt/berth
USER node
WORKDIR /home/node
ENTRYPOINT ["node", "/opt/berth/berth.mjs"]

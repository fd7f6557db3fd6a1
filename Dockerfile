# anthropic-proxy in a FROM-scratch image: only the static binary (the CA
# roots are compiled in). Build stage: Debian 12 with musl; the pinned
# BearSSL and jsmn sources come from Debian's source archive (vendor/fetch.sh).
#
#   docker build -t anthropic-proxy .
#   docker run -p 127.0.0.1:8082:8082 -v ~/.config/anthropic-proxy:/data/.config/anthropic-proxy anthropic-proxy
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends make gcc musl-tools ca-certificates \
        dpkg-dev xz-utils && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN tools/bootstrap build && make clean && make anthropic-proxy && ./anthropic-proxy --version

FROM scratch
COPY --from=build /src/anthropic-proxy /anthropic-proxy
# config.json and models.yaml are read from $HOME/.config/anthropic-proxy/ (mount it);
# inside a container the proxy must listen on all interfaces to be reachable.
ENV HOME=/data HOST=0.0.0.0
EXPOSE 8082
ENTRYPOINT ["/anthropic-proxy"]
CMD ["serve"]

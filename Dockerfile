# Multi-stage: build with the full toolchain, run on a slim image as a non-root user.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release -p tokenauth && cp target/release/tokenauth /tokenauth

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app tokenauth \
    && mkdir -p /app/data && chown tokenauth /app/data
WORKDIR /app
COPY --from=build /tokenauth /usr/local/bin/tokenauth
COPY config ./config
USER tokenauth
EXPOSE 8000
CMD ["tokenauth", "serve"]

#!/usr/bin/env bash
# Runs each cargo-fuzz target for a share of SECONDS (default 60).
# cargo-fuzz needs nightly rustc features; the stable toolchain provides them
# with RUSTC_BOOTSTRAP=1, so no other toolchain is needed. A crash is saved
# under fuzz/artifacts/ and fails the run: turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz from crates.io" >&2
    cargo install --quiet cargo-fuzz
fi
export RUSTC_BOOTSTRAP=1
targets=(authorization_header request_body user_fields)
per_target=$(( seconds / ${#targets[@]} ))
(( per_target > 0 )) || per_target=1
for target in "${targets[@]}"; do
    echo "fuzz: $target for ${per_target}s" >&2
    cargo fuzz run "$target" -- -max_total_time="$per_target" -rss_limit_mb=2048
done

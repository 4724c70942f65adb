#!/usr/bin/env bash
# Property-based fuzzing of the live API from its own OpenAPI document.
# Starts tokenauth on a throwaway SQLite file, creates a superuser so the
# protected routes are exercised too, and runs schemathesis with a bounded
# number of examples per operation: no 5xx, every response as documented.
#
#   fuzz/schemathesis.sh [max-examples]     (make fuzz; CI runs it with 30)
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-100}"
target="${CARGO_TARGET_DIR:-target}"

if ! command -v st >/dev/null 2>&1; then
    echo "fuzz: installing schemathesis from PyPI" >&2
    python3 -m pip install --quiet --disable-pip-version-check 'schemathesis>=4,<5' >&2
fi
cargo build --quiet -p tokenauth
binary="$target/debug/tokenauth"

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/fuzz.sqlite3"
export TOKENAUTH__SERVER__PORT="$port" TOKENAUTH__AUTH__BCRYPT_COST=4 TOKENAUTH__AUTH__TOKENS_PER_USER=1000
export TOKENAUTH__THROTTLE__LOGIN=off TOKENAUTH__THROTTLE__SIGNUP=off RUST_LOG=warn
# Every endpoint on, the SimpleJWT-style pairs included.
export TOKENAUTH__JWT__ENABLED=true
password="fuzz-Admin-pass-1"
TOKENAUTH_SUPERUSER_PASSWORD="$password" "$binary" createsuperuser --email admin@example.com --phonenumber +15550000 >/dev/null

"$binary" serve >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
key=$(curl -sf -X POST "http://127.0.0.1:$port/api/login" -H 'Content-Type: application/json' \
    -d "{\"email\": \"admin@example.com\", \"password\": \"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"]["key"])')

# Excluded checks, and why:
# - positive_data_acceptance: a schema cannot say "not a common password" or
#   "not similar to the email", so schema-valid signups are rightly refused.
# Operations that would end the fuzzer's own session (logout, deleting or
# deactivating users and tokens, whose ids the stateful phase learns from
# listings) run in a second pass without the stateful phase, so they only
# ever meet ids that are not the fuzzer's.
destructive=(--include-path-regex '^/api/users/' --include-path-regex '^/api/me/tokens/')
common=(--checks all --exclude-checks positive_data_acceptance
    --max-examples "$examples" --workers 2 --seed 20261129 --header "Authorization: Token $key")
status=0
st run "http://127.0.0.1:$port/api/schema" "${common[@]}" \
    --exclude-path /api/logout --exclude-path /api/logoutall \
    --exclude-path-regex '^/api/users/' --exclude-path-regex '^/api/me/tokens/' || status=$?
st run "http://127.0.0.1:$port/api/schema" "${common[@]}" "${destructive[@]}" \
    --phases examples,coverage,fuzzing || status=$?
# Last, as they end the session: logout and logoutall.
st run "http://127.0.0.1:$port/api/schema" "${common[@]}" \
    --include-path /api/logout --include-path /api/logoutall --phases examples,coverage,fuzzing || status=$?
if grep -qiE "panicked|internal error" "$work/server.log"; then
    echo "fuzz: the server logged a panic:" >&2
    grep -iE "panicked|internal error" "$work/server.log" >&2
    status=1
fi
exit $status

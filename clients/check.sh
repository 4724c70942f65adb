#!/usr/bin/env bash
# Generates a Python and a TypeScript client from the OpenAPI document a live tokenauth
# serves, and runs a round trip through each (signup, login, me, a personal token, me with it).
#
#   clients/check.sh <base-url> <workdir>
#
# The document is used exactly as served: the check proves that what the service publishes
# makes working clients. Tools come from the cache clients/install.sh fills.
# Exit status: 0 all passed; 1 a step failed (its output is shown); 2 usage;
# 77 tools missing or stale (run clients/install.sh), for a test to report as skipped.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 <base-url> <workdir>" >&2
    exit 2
fi
base=${1%/}
work=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TOKENAUTH_CLIENTS_CACHE:-$HOME/.cache/tokenauth-clients}
venv=$cache/venv
nm=$cache/node/node_modules
source "$here/stamps.sh"

missing() {
    echo "SKIP  tools missing: $1; install them with clients/install.sh (python3 >= 3.11, node >= 20 and npm; cache $cache)" >&2
    exit 77
}
command -v curl >/dev/null || missing "curl"
command -v node >/dev/null || missing "node"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || missing "node >= 20 (found $(node --version))"
[[ -x $venv/bin/openapi-python-client ]] || missing "openapi-python-client in $venv"
[[ "$(cat "$venv/.stamp" 2>/dev/null)" == "$(python_stamp)" ]] || missing "a venv built from the current python/requirements.txt and python3"
[[ -x $nm/.bin/openapi-typescript && -x $nm/.bin/tsc ]] || missing "openapi-typescript and typescript in $nm"
[[ "$(cat "$cache/node/.stamp" 2>/dev/null)" == "$(node_stamp)" ]] || missing "node_modules installed from the current typescript/package-lock.json"

mkdir -p "$work"
work=$(cd "$work" && pwd)
log=$work/step.log

# One line per step; the step's own output only when it fails.
step() {
    local label=$1
    shift
    if "$@" >"$log" 2>&1; then
        echo "ok    $label"
    else
        echo "FAIL  $label"
        sed 's/^/      /' "$log"
        return 1
    fi
}

python_client() {
    rm -rf "$work/python"
    # ruff (the generator's formatter) is looked up on PATH; without it every run warns.
    step "python: generate the client (openapi-python-client, --fail-on-warning)" \
        env PATH="$venv/bin:$PATH" openapi-python-client generate --path "$work/openapi.json" \
        --output-path "$work/python/tokenauth_client" --meta none --config "$here/python/config.yaml" \
        --fail-on-warning --overwrite &&
        step "python: import every generated module" \
            env PYTHONPATH="$work/python" "$venv/bin/python" "$here/python/import_all.py" &&
        step "python: round trip (signup, login, me, personal token, me with it)" \
            env PYTHONPATH="$work/python" "$venv/bin/python" "$here/python/roundtrip.py" "$base"
}

typescript_client() {
    local ts=$work/typescript
    rm -rf "$ts" && mkdir -p "$ts" &&
        cp "$here/typescript/package.json" "$here/typescript/tsconfig.json" "$here/typescript/roundtrip.ts" "$ts/" &&
        ln -s "$nm" "$ts/node_modules" &&
        step "typescript: generate the types (openapi-typescript)" \
            "$nm/.bin/openapi-typescript" "$work/openapi.json" --output "$ts/schema.ts" &&
        # One tsc run instead of --noEmit then a build: with noEmitOnError it writes
        # the JavaScript only when the strict type-check passed.
        step "typescript: tsc --strict type-check, then compile to JavaScript" \
            "$nm/.bin/tsc" --project "$ts" --strict &&
        step "typescript: round trip (signup, login, me, personal token, me with it)" \
            node "$ts/out/roundtrip.js" "$base"
}

python_tools=$("$venv/bin/python" -c 'import importlib.metadata as m; print("openapi-python-client", m.version("openapi-python-client"))')
node_tools=$(cd "$nm" && node -p '["openapi-typescript", "openapi-fetch", "typescript"].map((n) => n + " " + require("./" + n + "/package.json").version).join(", ")')
echo "check $base with $python_tools, $node_tools, node $(node --version)"
step "download $base/api/schema" curl -fsS --max-time 30 -o "$work/openapi.json" "$base/api/schema" || exit 1

failed=0
python_client || failed=1
typescript_client || failed=1
if ((failed)); then
    echo "FAILED: see the step(s) above"
    exit 1
fi
echo "passed: both clients made a round trip"

#!/usr/bin/env bash
# Installs the client generators that clients/check.sh uses into a cache outside the
# repository: a Python venv from python/requirements.txt and node_modules from
# typescript/package-lock.json. Each part is rebuilt only when its pins (or the
# interpreter) changed, so a second run takes about a second.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${TOKENAUTH_CLIENTS_CACHE:-$HOME/.cache/tokenauth-clients}
mkdir -p "$cache"

# check.sh computes the same stamps to tell a stale cache from a current one.
source "$here/stamps.sh"

if [[ "$(cat "$cache/venv/.stamp" 2>/dev/null)" != "$(python_stamp)" ]]; then
    echo "installing the Python generator into $cache/venv"
    rm -rf "$cache/venv"
    python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/python/requirements.txt"
    python_stamp >"$cache/venv/.stamp"
fi
echo "ok  python: openapi-python-client $("$cache/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-python-client"))')"

if [[ "$(cat "$cache/node/.stamp" 2>/dev/null)" != "$(node_stamp)" ]]; then
    echo "installing the TypeScript generator into $cache/node"
    rm -rf "$cache/node"
    mkdir -p "$cache/node"
    cp "$here/typescript/package.json" "$here/typescript/package-lock.json" "$cache/node/"
    (cd "$cache/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    node_stamp >"$cache/node/.stamp"
fi
echo "ok  typescript: $(cd "$cache/node" && node -p 'Object.keys(require("./package.json").devDependencies).map((n) => n + " " + require("./node_modules/" + n + "/package.json").version).join(", ")')"

# shellcheck shell=bash
# Sourced by install.sh and check.sh (which set $here, the clients/ folder): what an installed
# part of the cache was built from, so a cache left from other pins counts as missing.
# shellcheck disable=SC2154
python_stamp() { { python3 --version; cat "$here/python/requirements.txt"; } | sha256sum | cut -c1-16; }
node_stamp() { cat "$here/typescript/package.json" "$here/typescript/package-lock.json" | sha256sum | cut -c1-16; }

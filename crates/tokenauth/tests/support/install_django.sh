#!/usr/bin/env bash
# Installs Django REST Framework and djangorestframework-simplejwt (PyPI) into a
# venv outside the repository, for the test in which a SimpleJWT resource server
# verifies tokenauth's access JWTs. Rebuilt only when the pins change.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
venv=${TOKENAUTH_DJANGO_VENV:-$HOME/.cache/tokenauth-django/venv}
stamp=$(cat "$here/django-requirements.txt" <(python3 --version) | sha256sum | cut -c1-16)

if [[ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]]; then
    echo "installing Django REST Framework and SimpleJWT into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/django-requirements.txt"
    echo "$stamp" >"$venv/.stamp"
fi
echo "ok  django: $("$venv/bin/python" -c 'import importlib.metadata as m; print(", ".join(n + " " + m.version(n) for n in ("django", "djangorestframework", "djangorestframework-simplejwt")))')"

"""Imports every module of the generated package: a module that fails to import (the generator's
known failure) may be one roundtrip.py never touches."""

import importlib
import pkgutil
import sys

import tokenauth_client

failures = []
count = 0
for module in pkgutil.walk_packages(tokenauth_client.__path__, "tokenauth_client."):
    count += 1
    try:
        importlib.import_module(module.name)
    except Exception as error:  # noqa: BLE001 - every failure is reported, then the exit says it failed
        failures.append(f"{module.name}: {type(error).__name__}: {error}")
print("\n".join(failures) or f"{count} modules imported")
sys.exit(1 if failures else 0)

"""Verifies a JWT the way a service behind the gateway would: with PyJWT's
PyJWKClient against tokenauth's key set, not with tokenauth's own code.

Usage: jwt_check.py <jwks-url> <issuer>, the JWT on stdin. Prints the claims
as JSON and exits 0 when it verifies; prints why and exits 1 otherwise.
"""

import json
import sys

import jwt


def main() -> int:
    jwks_url, issuer = sys.argv[1], sys.argv[2]
    token = sys.stdin.read().strip()
    try:
        key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(
            token,
            key.key,
            algorithms=["EdDSA"],
            issuer=issuer,
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.exceptions.PyJWTError as error:
        print(f"refused: {error!r}")
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A resource server of the tutorial's own ecosystem: a Django REST Framework
view protected by djangorestframework-simplejwt, configured as a team moving
to tokenauth would configure it (ALGORITHM "EdDSA", JWK_URL at tokenauth's
key set, stateless users: the service keeps no user table of its own).

Usage: django_resource_server.py <jwks-url>, the Authorization header's
value on stdin. Prints {"status": <code>, "body": <the view's answer>}.
"""

import json
import sys

import django
from django.conf import settings


def main() -> int:
    jwks_url = sys.argv[1]
    authorization = sys.stdin.read().strip()
    settings.configure(
        SECRET_KEY="a resource server signs nothing",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
        ],
        DATABASES={},
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [
                "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication",
            ],
            "DEFAULT_PERMISSION_CLASSES": [
                "rest_framework.permissions.IsAuthenticated",
            ],
        },
        SIMPLE_JWT={
            "ALGORITHM": "EdDSA",
            "JWK_URL": jwks_url,
            "USER_ID_CLAIM": "user_id",
            "USER_ID_FIELD": "id",
        },
    )
    django.setup()

    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    class Orders(APIView):
        def get(self, request):
            return Response({"user_id": str(request.user.id)})

    request = APIRequestFactory().get("/orders/42", HTTP_AUTHORIZATION=authorization)
    response = Orders.as_view()(request)
    print(json.dumps({"status": response.status_code, "body": response.data}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

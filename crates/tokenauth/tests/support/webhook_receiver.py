"""A webhook receiver for the tests: every POST is verified with the
Standard Webhooks reference library (the `standardwebhooks` package from
PyPI, not tokenauth's own signing code). A delivery that verifies is
appended to a JSON-lines file and answered 204; one that does not is
answered 400 and recorded as rejected.

    python3 webhook_receiver.py <port> <secret> <received.jsonl>
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

port, secret, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
webhook = Webhook(secret)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            payload = webhook.verify(body, headers)
            record = {"verified": True, "id": headers["webhook-id"], "payload": payload}
            status = 204
        except Exception as error:  # any refusal of the library
            record = {"verified": False, "error": repr(error)}
            status = 400
        with open(path, "a") as out:
            out.write(json.dumps(record) + "\n")
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

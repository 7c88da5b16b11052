"""An HTTP client for a step served by a real server, behind a TLS proxy, in a few lines.

It speaks like Flask's test client (`get`, `post`, responses with
`status_code`, `headers` and `text`), so the one form client (forms.py)
logs in with it as with a test client. It keeps cookies, and sends what a
TLS-terminating proxy in front of the server sends: X-Forwarded-Proto, so
that the app sees HTTPS and makes its cookies Secure, and with `address`,
X-Forwarded-For, the browser's address, which the app believes when
TRUSTED_PROXIES is 1.
"""

import http.client
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode


@dataclass
class Response:
    status_code: int
    headers: http.client.HTTPMessage
    text: str


class HttpClient:
    def __init__(self, base, address=None):
        self.use(base)
        self.cookies = {}
        self.address = address

    def use(self, base):
        """Send the next requests to another server, with the same cookies."""
        self.base = base
        self.host = base.removeprefix("http://")

    def open(self, method, path, data=None, headers=()):
        connection = http.client.HTTPConnection(self.host, timeout=60)
        sent = {"X-Forwarded-Proto": "https", **dict(headers)}
        if self.address:
            sent["X-Forwarded-For"] = self.address
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # Over HTTPS, Flask-WTF also checks that a form came from this site.
            sent["Referer"] = f"https://{self.host}/"
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode()
        finally:
            connection.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["expires"].startswith("Thu, 01 Jan 1970"):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(answer.status, answer.headers, text)

    def get(self, path, headers=()):
        return self.open("GET", path, headers=headers)

    def post(self, path, data=None, headers=()):
        return self.open("POST", path, data=data or {}, headers=headers)

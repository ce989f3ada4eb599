"""How uvicorn serves the app: forwarded addresses only from named proxies, JSON refusals.

Two refusals happen in uvicorn before any app code runs: a request whose request line and headers
are over h11's 16 KiB limit, and one that is not valid HTTP/1.1 (bad header bytes, a broken request
line). uvicorn answers those with a plain-text 400; :class:`JsonRefusals` answers them in the API's
JSON shape instead (docs/api.md lists what is still not JSON).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

BAD_REQUEST = json.dumps({"error": "bad_request", "message": "this is not a valid HTTP request (malformed, "
                          "or request line and headers larger than 16 KB)"}).encode()


class JsonRefusals(H11Protocol):
    """uvicorn's h11 protocol, with its 400 for a malformed request in this API's JSON shape."""

    def send_400_response(self, msg: str) -> None:
        headers = [(b"content-type", b"application/json"), (b"connection", b"close"),
                   (b"x-content-type-options", b"nosniff")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=BAD_REQUEST), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def server_options(host: str, port: int, trusted_proxies: Sequence[str]) -> dict:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``.

    ``X-Forwarded-For`` is read only when the peer is one of ``trusted_proxies`` (addresses or
    networks the operator named); with none, never: uvicorn's own default would trust 127.0.0.1,
    so any local process could pick its rate-limit address.
    """
    return {"host": host, "port": port, "log_level": "warning", "http": JsonRefusals,
            "proxy_headers": bool(trusted_proxies), "forwarded_allow_ips": list(trusted_proxies)}

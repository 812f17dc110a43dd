"""The console's web server: Werkzeug's threaded server on 127.0.0.1, in a thread of its own."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..session import Sandbox
    from .presets import Preset

HOST = "127.0.0.1"


def listen(port: int = 0) -> socket.socket:
    """The console's socket on 127.0.0.1 (bound here: Werkzeug would end the process for a port that is taken)."""
    try:
        return socket.create_server((HOST, port))
    except OSError as error:
        raise OSError(f"the console cannot listen on {HOST}:{port}: {error.strerror or error}") from None


class ConsoleServer:
    """`with ConsoleServer(sandbox) as console:` serves the console at `console.url` until the block ends.

    It listens on 127.0.0.1 only; port 0 takes a free one, and `listener` a socket `listen()` bound already.
    `presets` are each state machine's (by ARN) named example inputs, offered by its start form.
    """

    def __init__(
        self,
        sandbox: Sandbox,
        port: int = 0,
        listener: socket.socket | None = None,
        presets: Mapping[str, Sequence[Preset]] | None = None,
    ) -> None:
        listener = listener or listen(port)
        self.app = create_app(sandbox, presets)
        with listener:  # the server listens on its own duplicate of the socket
            self._server: BaseWSGIServer = make_server(HOST, port, self.app, threaded=True, fd=listener.fileno())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.socket.getsockname()[1]}/"

    def start(self) -> ConsoleServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> ConsoleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

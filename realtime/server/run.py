"""Running the app under uvicorn: HTTPS, the access log's output and the graceful shutdown.

On SIGTERM or Ctrl+C the app drains first (`Service.drain`: waiting and new /predict requests
get 503, live sessions get their closing message and 1001), then uvicorn stops listening and
gives the running requests serve.shutdown_grace_s seconds to finish before it cancels them.
"""

from __future__ import annotations

import asyncio
import copy
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

from realtime.server.middleware import ACCESS_LOGGER, MB
from signlang.errors import InputFileError, ParamsError

if TYPE_CHECKING:
    from realtime.server.app import Service

SESSIONS_CLOSE_S = 2.0  # at most this long for the live sessions to say goodbye before uvicorn closes them


def check_certificate(certfile: Path | None, keyfile: Path | None) -> None:
    """Both files or neither; each readable and the pair loadable (a clear error, not an SSL trace)."""
    if (certfile is None) != (keyfile is None):
        raise ParamsError("--ssl-certfile and --ssl-keyfile go together: give both for HTTPS, or neither")
    if certfile is None or keyfile is None:
        return
    for flag, path in (("--ssl-certfile", certfile), ("--ssl-keyfile", keyfile)):
        if not path.is_file():
            raise InputFileError(path, f"{flag}: file not found")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise InputFileError(certfile, f"cannot be used with {keyfile} as a PEM certificate and its key: {exc}") from None


def logging_config() -> dict[str, Any]:
    """uvicorn's logging, with its own access log off and ours (one line per request) on stdout."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["signlang_access"] = {"format": "%(asctime)s %(message)s"}
    config["handlers"]["signlang_access"] = {"class": "logging.StreamHandler", "formatter": "signlang_access",
                                             "stream": "ext://sys.stdout"}
    config["loggers"][ACCESS_LOGGER] = {"handlers": ["signlang_access"], "level": "INFO", "propagate": False}
    return config


def draining_server(config: Any, service: Service) -> Any:
    """A uvicorn.Server whose shutdown drains `service` before uvicorn's own."""
    import uvicorn

    class DrainingServer(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            service.drain()
            deadline = asyncio.get_running_loop().time() + SESSIONS_CLOSE_S
            while service.streams.slots.taken and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            await super().shutdown(sockets)

    return DrainingServer(config)


def serve_app(app: Any, host: str, port: int, certfile: Path | None = None, keyfile: Path | None = None) -> None:
    """Serve `app` (realtime.server.app.create_app) until SIGTERM/Ctrl+C, over HTTPS when given
    a certificate and its key."""
    import uvicorn

    check_certificate(certfile, keyfile)
    service: Service = app.state.service
    serve = service.settings.serve
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, log_config=logging_config(),
        ssl_certfile=str(certfile) if certfile else None, ssl_keyfile=str(keyfile) if keyfile else None,
        # Messages up to twice the limit get a JSON error; bigger ones close the connection (1009).
        ws_max_size=int(2 * serve.max_message_mb * MB), timeout_graceful_shutdown=serve.shutdown_grace_s)
    draining_server(config, service).run()

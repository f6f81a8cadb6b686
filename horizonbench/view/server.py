"""The viewer as a local web app: starlette routes over :class:`~horizonbench.view.pages.Pages`,
served by uvicorn on 127.0.0.1 only.

Results hold the code and logs of every attempt: the app listens on the loopback interface
and nowhere else, has no route that writes, and answers only requests addressed to
127.0.0.1 or localhost (a web page whose domain was rebound to 127.0.0.1 cannot read it).
"""

from __future__ import annotations

import asyncio
import html
import socket
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from horizonbench.view.pages import Links, PageNotFound, Pages
from horizonbench.view.runs import Run
from horizonbench.view.table import TrialQuery

HOST = "127.0.0.1"
LINKS = Links(root="/", static=False)


LOCAL_HOSTS = ("127.0.0.1", "localhost")


def make_app(runs: list[Run], allowed_hosts: tuple[str, ...] = LOCAL_HOSTS) -> Starlette:
    """The web app showing ``runs``, answering requests whose Host is one of ``allowed_hosts``."""
    pages = Pages(runs)

    async def page(render: Any, *args: Any) -> Response:
        # Rendering reads Parquet and trial files: off the event loop, so one slow page does
        # not hold up the others.
        try:
            body = await run_in_threadpool(partial(render, *args, LINKS))
        except PageNotFound as exc:
            return HTMLResponse(f"<!doctype html><title>not found</title><p>{html.escape(str(exc))}</p>", 404)
        return HTMLResponse(body)

    async def root(request: Request) -> Response:
        return RedirectResponse("/index.html")

    async def index(request: Request) -> Response:
        return await page(pages.runs_page)

    async def trials(request: Request) -> Response:
        query = TrialQuery.parse(dict(request.query_params))
        return await page(pages.trials_page, request.path_params["run"], query)

    async def trial(request: Request) -> Response:
        p = request.path_params
        return await page(pages.trial_page, p["run"], p["trial"])

    async def compare(request: Request) -> Response:
        p = request.path_params
        return await page(pages.compare_page, p["base"], p["candidate"])

    async def pair(request: Request) -> Response:
        p = request.path_params
        return await page(pages.pair_page, p["base"], p["candidate"], p["left"], p["right"])

    return Starlette(
        routes=[
            Route("/", root),
            Route("/index.html", index),
            Route("/runs/{run}/trials.html", trials),
            Route("/runs/{run}/trials/{trial}.html", trial),
            Route("/compare/{base}/{candidate}.html", compare),
            Route("/compare/{base}/{candidate}/{left}/{right}.html", pair),
        ],
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))],
    )


def bind(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` (0: a free port).

    Raises:
        OSError: the port is taken.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(app: Starlette, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False)
    asyncio.run(uvicorn.Server(config).serve(sockets=[sock]))

"""Serving an aiohttp application: the Zalo webhooks, the emulated APIs, the sandbox page."""

from __future__ import annotations

from typing import Any

from aiohttp import web


async def serve(app: web.Application, host: str, port: int, **options: Any) -> tuple[web.AppRunner, str]:
    """Serve `app` on host:port (port 0: any free one); returns its runner and its root URL.

    `options` go to `web.AppRunner` (signals are left to the caller and no
    access log is written unless asked for). Nothing is left running if the
    address cannot be taken: the error (an OSError) is raised as it came.
    """
    options = {"handle_signals": False, "access_log": None, **options}
    runner = web.AppRunner(app, **options)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_host, bound_port = str(runner.addresses[0][0]), int(runner.addresses[0][1])
    if ":" in bound_host:
        bound_host = f"[{bound_host}]"
    return runner, f"http://{bound_host}:{bound_port}"

"""An aiohttp application served on 127.0.0.1 from a thread with its own event loop: how the tests and the
local stack run localstripe (infra.fake_stripe) and the ACH sandbox (infra.ach_sandbox) in-process."""

import asyncio
import threading

from aiohttp import web


class LoopbackServer:
    thread_name = "loopback-server"

    def __init__(self, port: int = 0):
        self.port = port  # 0: any free port, known after start()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def build_app(self) -> web.Application:
        raise NotImplementedError

    async def _before_stop(self) -> None:
        """Subclasses close what they opened on the loop (sessions, timers) here."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        threading.Thread(target=self._run, name=self.thread_name, daemon=True).start()
        self._ready.wait(15)
        if self._error:
            raise self._error
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._runner = web.AppRunner(self.build_app(), access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._runner is None:
            return

        async def shutdown():
            await self._before_stop()
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._runner = None

"""A busy minute: 50 requests at once to a plugin page are queued and all served, not refused (issue 30)."""

from __future__ import annotations

import asyncio


async def _page(scope, receive, send):
    """A page that takes 30 ms of work (the order of a real page), without holding the event loop."""
    await asyncio.sleep(0.03)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"page"})


def test_a_burst_of_50_is_served_within_5_seconds_with_the_default_bounds():
    import httpx

    from creator_ops.airflow.ui.app import QUEUE_WAIT_S, PluginGuard

    async def scenario():
        guard = PluginGuard(_page, slots=4)  # the defaults the app uses (CREATOR_OPS_UI_SLOTS=4)
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            loop = asyncio.get_running_loop()
            started = loop.time()
            answers = await asyncio.gather(*(client.get("/campaigns") for _ in range(50)))
            return answers, loop.time() - started, guard

    answers, took, guard = asyncio.run(scenario())
    assert [a.status_code for a in answers] == [200] * 50  # queued, none refused
    assert took < 5 and QUEUE_WAIT_S < 5
    assert (guard.busy, guard.waiting, guard.queue) == (0, 0, 256)


def test_beyond_the_wait_the_answer_is_503_not_a_hang():
    """A page that never finishes within the bound: the queued requests get 503 once they waited `wait`."""
    import httpx

    from creator_ops.airflow.ui.app import PluginGuard

    release = asyncio.Event

    async def scenario():
        gate = release()

        async def stuck(scope, receive, send):
            await gate.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        guard = PluginGuard(stuck, slots=1, wait=0.2)
        transport = httpx.ASGITransport(app=guard)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            held = asyncio.create_task(client.get("/campaigns"))
            await asyncio.sleep(0.05)
            queued = await asyncio.gather(*(client.get("/campaigns") for _ in range(5)))
            gate.set()
            return queued, await held

    queued, held = asyncio.run(scenario())
    assert [a.status_code for a in queued] == [503] * 5 and held.status_code == 200
    assert all(a.headers["retry-after"] == "5" for a in queued)

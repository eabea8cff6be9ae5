"""Benchmark: what the server spends on each visitor of the program-scale dashboard, in CPU and in bytes.

    .venv/bin/python benchmarks/visitors.py [--mentors 5000] [--mentees 10000] [--at-once 10] [--opens 5]
    .venv/bin/python benchmarks/visitors.py --through-proxy [...]

Builds the program-scale demo store with the real CLI and ten committee accounts, starts the dashboard
(`start_server`, the one place that says how), and drives fresh headless Chromium visitors (no cache, no
cookie) against it, committee members all:

1. a bare Streamlit page (one title, on a server of its own) opened by `--opens` fresh browsers one after
   another, and the sign-in page likewise: the yardstick and what it is held to (their medians);
2. visitor A opens the sign-in page, signs in (landing on the Overview), opens every page of the navigation
   (first views: the server reads and computes), and every page again (nothing changed);
3. visitor B opens the sign-in page and signs in, then A opens every page again;
4. another instance changes the store (a meeting logged, as the CLI or a second server would), then A opens
   every page: the first view after a change;
5. after another change, `--at-once` fresh visitors open the sign-in page, sign in and open Cadence at the
   same moment.

For each step it prints the server process's CPU seconds (utime + stime from /proc/<pid>/stat, so the
figure holds whatever else the machine runs; counted until the server has gone quiet) and the bytes the
browser received (HTTP bodies as sent, compressed, plus websocket payloads). Needs Chromium at
/usr/bin/chromium.

`--through-proxy` measures the deployment instead: deploy/stack.py's stack (the same demo store on a
PostgreSQL server of its own, two instances or `--instances`, nginx serving Streamlit's files itself) and:
1. `--opens` fresh browsers opening the sign-in page through nginx, one after another;
2. after a change, `--at-once` fresh visitors opening the sign-in page, signing in and opening Cadence at
   the same moment, straight at one instance (no proxy: the instance serves Streamlit's files);
3. after another change, the same through nginx.
For each it prints the instances' CPU seconds (every instance's process, summed) and, apart, nginx's
(its master and worker); PostgreSQL's and the browsers' are in neither.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from common import ROOT, demo_store, program_size, run_cli

from deploy import stack as deployment
from devtools.servers import CHROMIUM, CHROMIUM_ARGS, SESSION_COOKIE, dashboard_process
from mentorship import auth, db, services
from mentorship.auth import Actor
from mentorship.models import Match
from mentorship.ui.core import PAGES, SIGNED_IN
from pages import SHOWN, TABLE, path_of

SIGN_IN = '[data-testid="stForm"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
BARE_PAGE = 'import streamlit as st\n\nst.title("Mentorship program")\n'
COMMITTEE_PAGES = [p.script for p in PAGES.values() if p.access == SIGNED_IN]  # what the committee sees


def start_server(database_url: str, script: Path = ROOT / "server.py") -> AbstractContextManager:
    """The dashboard as it is deployed, on a free port: yields (base URL, server process)."""
    return dashboard_process(database_url, script)


def cpu_seconds(*pids: int) -> float:
    """utime + stime of the processes, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def with_children(pid: int) -> list[int]:
    """`pid` and its child processes (nginx's master and its worker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


async def quiet(*pids: int) -> None:
    """Until the servers have used no CPU for 0.3 s (at most 10 s): what a view costs is then counted."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        before = cpu_seconds(*pids)
        await asyncio.sleep(0.3)
        if cpu_seconds(*pids) == before:
            return


@dataclass
class Visitor:
    """A fresh browser (its own context: no cache, no cookie) counting the bytes it receives."""

    page: object
    received: int = 0
    frames: list = field(default_factory=list)

    @classmethod
    async def open(cls, browser) -> Visitor:
        # (the proxy's certificate is self-signed; nothing else is https)
        size = {"width": 1400, "height": 1000}
        context = await browser.new_context(viewport=size, ignore_https_errors=True)
        page = await context.new_page()
        page.set_default_timeout(180_000)
        visitor = cls(page)
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        cdp.on("Network.loadingFinished", visitor._http)
        cdp.on("Network.webSocketFrameReceived", visitor._frame)
        return visitor

    def _http(self, event: dict) -> None:
        self.received += int(event.get("encodedDataLength", 0))

    def _frame(self, event: dict) -> None:
        response = event["response"]
        payload = response.get("payloadData", "")
        self.received += len(base64.b64decode(payload)) if response.get("opcode") == 2 else len(payload)

    async def view(self, address: str, shown: str) -> None:
        await self.page.goto(address)
        await self.page.locator(shown + " >> visible=true").first.wait_for()
        await self.page.wait_for_selector(IDLE)

    async def sign_in(self, email: str, password: str) -> None:
        await self.page.wait_for_selector(IDLE)
        await self.page.get_by_role("textbox", name="Email").fill(email)
        await self.page.get_by_role("textbox", name="Password").fill(password)
        await self.page.get_by_role("button", name="Sign in").click()
        deadline = time.monotonic() + 180
        while not any(c["name"] == SESSION_COOKIE for c in await self.page.context.cookies()):
            if time.monotonic() > deadline:  # the server sets it (HttpOnly: no script in the page sees it)
                raise TimeoutError(f"{email}: the sign-in cookie was never set")
            await self.page.wait_for_timeout(50)
        await self.page.locator('[data-testid="stMetric"] >> visible=true').first.wait_for()
        await self.page.wait_for_selector(IDLE)

    async def close(self) -> None:
        await self.page.context.close()


class Meter:
    """Rows of (step, server CPU seconds, bytes received) for the server processes `pids` (summed); with
    `proxy` (its processes), the proxy's CPU seconds are counted apart, in `proxy_rows`."""

    def __init__(self, *pids: int, proxy: list[int] = ()) -> None:
        self.pids, self.proxy = pids, list(proxy)
        self.rows: list[tuple[str, float, int | None]] = []
        self.proxy_rows: dict[str, float] = {}

    async def step(self, label: str, work, visitors: list[Visitor]) -> float:
        everything = (*self.pids, *self.proxy)
        await quiet(*everything)
        cpu, received = cpu_seconds(*self.pids), sum(v.received for v in visitors)
        proxy_cpu = cpu_seconds(*self.proxy)
        await work
        await quiet(*everything)
        spent = cpu_seconds(*self.pids) - cpu
        row = (label, spent, sum(v.received for v in visitors) - received)
        self.rows.append(row)
        self.proxy_rows[label] = cpu_seconds(*self.proxy) - proxy_cpu
        proxy = f", nginx {self.proxy_rows[label]:.2f} s" if self.proxy else ""
        print(f"  {label}: {spent:.2f} s CPU{proxy}, {row[2] / 1000:,.0f} kB", flush=True)
        return spent

    def median(self, label: str, rows: list[tuple[str, float, int | None]]) -> None:
        row = (label, statistics.median(r[1] for r in rows), int(statistics.median(r[2] for r in rows)))
        self.rows.append(row)
        print(f"  {label}: {row[1]:.2f} s CPU, {row[2] / 1000:,.0f} kB", flush=True)


def committee_accounts(url: str, count: int) -> list[tuple[str, str]]:
    """`count` committee accounts with generated passwords, added as the operator (the CLI's way)."""
    engine = db.make_engine(url)
    accounts = []
    for number in range(1, count + 1):
        email, password = f"member{number:02}@program.example.org", auth.generate_password()
        services.add_user(engine, actor=Actor.operator(), email=email, role="committee", password=password)
        accounts.append((email, password))
    engine.dispose()
    return accounts


def change_the_store(url: str, nth: int) -> None:
    """What another instance or the CLI does: a meeting logged today for the `nth` open pair."""
    engine = db.make_engine(url)
    with db.read_session(engine) as session:
        open_pairs = sa.select(Match.id).where(Match.status == "active").order_by(Match.id)
        match_id = session.execute(open_pairs.offset(nth).limit(1)).scalar_one()
    today = date.today()
    services.log_meeting(
        engine, actor=Actor.operator(), match_id=match_id, met_on=today, format="phone", today=today
    )
    engine.dispose()


async def fresh_opens(meter: Meter, browser, label: str, address: str, shown: str, times: int) -> None:
    """A first visitor after the server's start (it pays the imports), then `times` fresh browsers opening
    the same page one after another: a row each, and one for their median."""
    for number in range(times + 1):
        visitor = await Visitor.open(browser)
        which = "first visitor after start" if number == 0 else f"fresh browser {number}"
        await meter.step(f"{label}, {which}", visitor.view(address, shown), [visitor])
        await visitor.close()
    meter.median(f"{label}, fresh browser (median of {times})", meter.rows[-times:])


async def bare_page_open(browser, url: str, tmp: str, times: int) -> list:
    """CPU of fresh browsers opening a bare Streamlit page."""
    script = Path(tmp) / "bare.py"
    script.write_text(BARE_PAGE)
    with start_server(url, script) as (base, server):
        meter = Meter(server.pid)
        await fresh_opens(meter, browser, "bare page", base, "h1", times)
    return meter.rows


async def members_at_once(
    meter: Meter, browser, base: str, accounts: list[tuple[str, str]], count: int, label: str
) -> None:
    """`count` fresh visitors open the sign-in page at `base`, sign in and open Cadence at the same moment."""
    crowd = [await Visitor.open(browser) for _ in range(count)]

    async def member(visitor: Visitor, account: tuple[str, str]) -> None:
        try:
            await visitor.view(base, SIGN_IN)
            await visitor.sign_in(*account)
            await visitor.view(base + "/Cadence", TABLE)
        except Exception:
            shown = await visitor.page.locator("body").inner_text()
            print(f"  {account[0]} was stuck on: {shown[:300]!r}", flush=True)
            raise

    together = asyncio.gather(*(member(v, a) for v, a in zip(crowd, accounts, strict=False)))
    await meter.step(f"{count} members at once: open, sign in, open Cadence ({label})", together, crowd)
    for visitor in crowd:
        await visitor.close()


async def run(args: argparse.Namespace, url: str, accounts: list[tuple[str, str]], tmp: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        bare = await bare_page_open(browser, url, tmp, args.opens)
        with start_server(url) as (base, server):
            meter = Meter(server.pid)
            await fresh_opens(meter, browser, "sign-in page", base, SIGN_IN, args.opens)

            a = await Visitor.open(browser)
            await meter.step("A: open the sign-in page", a.view(base, SIGN_IN), [a])
            await meter.step("A: sign in (lands on the Overview)", a.sign_in(*accounts[0]), [a])

            async def every_page(label: str) -> None:
                for script in COMMITTEE_PAGES:
                    shown = SHOWN.get(script, TABLE)
                    await meter.step(
                        f"A: {path_of(script)} {label}", a.view(base + path_of(script), shown), [a]
                    )

            await every_page("first view")
            await every_page("again, nothing changed")
            b = await Visitor.open(browser)
            await meter.step("B: open the sign-in page", b.view(base, SIGN_IN), [b])
            await meter.step("B: sign in", b.sign_in(*accounts[1]), [b])
            await every_page("again, after B signed in")
            change_the_store(url, 0)
            await every_page("first view after a change")

            change_the_store(url, 1)
            await members_at_once(meter, browser, base, accounts, args.at_once, "after a change")
        await browser.close()

    print("\n| step | server CPU | bytes received |")
    print("| --- | --- | --- |")
    for label, spent, received in bare + meter.rows:
        print(f"| {label} | {spent:.2f} s | {received / 1000:,.0f} kB |")


async def run_through_proxy(args: argparse.Namespace, url: str, accounts: list[tuple[str, str]]) -> None:
    from playwright.async_api import async_playwright

    with deployment.running(url, instances=args.instances) as stack:
        instances = [p.pid for p in stack.processes[: len(stack.instances)]]  # started first, then nginx
        nginx = with_children(stack.processes[-1].pid)
        meter = Meter(*instances, proxy=nginx)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            await fresh_opens(meter, browser, "sign-in page through nginx", stack.url, SIGN_IN, args.opens)
            change_the_store(url, 0)
            await members_at_once(
                meter, browser, stack.instances[0], accounts, args.at_once, "one instance, no proxy"
            )
            change_the_store(url, 1)
            await members_at_once(meter, browser, stack.url, accounts, args.at_once, "through nginx")
            await browser.close()

    print("\n| step | instances' CPU | nginx's CPU | bytes received |")
    print("| --- | --- | --- | --- |")
    for label, spent, received in meter.rows:
        proxy = f"{meter.proxy_rows[label]:.2f} s" if label in meter.proxy_rows else "–"
        print(f"| {label} | {spent:.2f} s | {proxy} | {received / 1000:,.0f} kB |")


def main() -> None:
    parser = program_size(argparse.ArgumentParser())
    parser.add_argument("--at-once", type=int, default=10)
    parser.add_argument("--opens", type=int, default=5, help="fresh browsers opening each first page")
    parser.add_argument(
        "--through-proxy",
        action="store_true",
        help="the deployment of deploy/stack.py (PostgreSQL, two instances, nginx) instead of one server",
    )
    parser.add_argument("--instances", type=int, default=2, help="with --through-proxy: how many (default 2)")
    args = parser.parse_args()
    if args.through_proxy:
        with deployment.postgres_server() as url:
            size = ("--mentors", str(args.mentors), "--mentees", str(args.mentees))
            _, out = run_cli("demo", "--db", url, *size)
            print(out.splitlines()[0])
            accounts = committee_accounts(url, max(args.at_once, 2))
            asyncio.run(run_through_proxy(args, url, accounts))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url, loaded = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        print(loaded)
        accounts = committee_accounts(url, max(args.at_once, 2))
        asyncio.run(run(args, url, accounts, tmp))


if __name__ == "__main__":
    main()

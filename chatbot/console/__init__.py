"""The counsellors' console (`/console`): log in, a live queue ordered by risk then waiting time,
claim, reply (web chat live, SMS through Twilio), ready-made replies from `content/canned/`,
private notes, transfer, close with an outcome, hand back to the bot; an audit log of it all.
Accounts are made from the command line: `./run counsellor add NAME`."""
from __future__ import annotations

from aiohttp import web

from . import api, pages
from .access import ACCOUNTS
from .auth import Accounts

__all__ = ["setup", "ACCOUNTS", "Accounts"]


def setup(app: web.Application, store, idle_minutes: int) -> None:
    app[ACCOUNTS] = Accounts(store, idle_minutes)
    app.add_routes(api.routes)
    app.add_routes(pages.routes)

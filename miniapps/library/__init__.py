"""The library (図書館): a digital library card (NW-7), one catalogue for the city library and the
primary and junior-high school libraries, holds in a fair queue per title, loans, renewals and
reminders, "my collection", an opt-in reading history, recommendations computed in the
background, librarians' counter (check-out and return by scanning) and recommendation lists.
Built only on machi_sdk.

It brings its own tables (``piccolo_app``, with a full-text index made by raw SQL), the command
``machi library import FILE`` (MARC 21 or CSV), the notices and recommendations jobs and demo data.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, Offline, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .jobs import compute_related, send_notices
from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[
        PeriodicJob("notices", timedelta(minutes=15), send_notices),
        PeriodicJob("recommendations", timedelta(hours=6), compute_related),
    ],
    demo=load_demo,
    scripts=["/static/library/app.js"],
    styles=["/static/library/library.css"],
    offline=Offline(assets=("/static/library/library.css", "/static/library/offline.js")),
)

MINIAPP_FACTORY = MINIAPP.create_app

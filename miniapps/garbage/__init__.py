"""The garbage calendar (ごみ出しカレンダー): collection days, the sorting dictionary, reminders, an
iCalendar feed and large-item collection. Built only on machi_sdk.

Hosted by the shell from ``MACHI_MINIAPPS``; it brings its own tables (``piccolo_app``), the
commands ``machi garbage import-5374 DIR`` and ``machi garbage dates AREA --month YYYY-MM``, the
reminder job and the Saga City demo data.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, Offline, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .reminders import send_reminders
from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[PeriodicJob("reminders", timedelta(minutes=10), send_reminders)],
    demo=load_demo,
    styles=["/static/garbage/garbage.css", "/categories.css"],
    offline=Offline(assets=("/static/garbage/garbage.css", "/categories.css")),
)

MINIAPP_FACTORY = MINIAPP.create_app

"""The mother-child handbook (母子健康手帳): pregnancy and child records (checkups, growth,
illnesses, milestones) shared between the guardians a parent names, growth charts on the WHO Child
Growth Standards, the routine immunisation plan with reminders before each window opens and closes,
information by the child's age in months, and the accompaniment support's (伴走型相談支援) online
pre-interview questionnaire and interview booking; health-centre staff manage slots, read the
questionnaires and export them as CSV in the city's own column layout. Built only on machi_sdk.

It brings its own tables (``piccolo_app``), the command ``machi handbook plan``, the reminders job,
its own service worker for use offline and demo data.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, Offline, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .jobs import send_reminders
from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[PeriodicJob("reminders", timedelta(hours=1), send_reminders)],
    demo=load_demo,
    scripts=["/static/handbook/app.js"],
    styles=["/static/handbook/handbook.css"],
    offline=Offline(assets=("/static/handbook/handbook.css", "/static/handbook/offline.js")),
)

MINIAPP_FACTORY = MINIAPP.create_app

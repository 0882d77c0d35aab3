"""The on-demand bus (AIデマンド交通): residents register as riders and book shared rides from
stop to stop, now or later, and get an answer at once (a pickup window and an arrival estimate,
or alternatives); the plan is kept by cheapest feasible insertion and re-optimised in the
background with OR-Tools, adopted only when it keeps every promise; drivers' tablets show the
day's route and teach the travel times; operators book by phone, run the service and read the
KPIs. Built only on machi_sdk.

It brings its tables, the command ``machi bus solve FILE`` (the Cordeau benchmark), the
re-optimisation and notification jobs and demo data.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .jobs import reoptimise, send_notices
from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[
        PeriodicJob("notices", timedelta(minutes=1), send_notices),
        PeriodicJob("reoptimise", timedelta(minutes=5), reoptimise),
    ],
    demo=load_demo,
    styles=["/static/bus/bus.css"],
)

MINIAPP_FACTORY = MINIAPP.create_app

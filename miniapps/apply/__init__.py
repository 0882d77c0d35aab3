"""Online applications (電子申請) and resident reports (通報): go to the city without going to
city hall. Built only on machi_sdk.

Staff build procedures as forms (typed fields, conditions, prefill, fee, result, period) without
a programmer; residents find them in plain words, fill them with what the city knows prefilled,
pay the fee with the wallet, follow the status, answer a correction request and receive the
result. Reports (road, streetlight, park, fallen tree, dumping) carry a photo stripped of its
metadata and a place inside the city, and are served as Open311 GeoReport v2 JSON.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .open311 import OPEN311_ROUTES
from .reminders import send_reminders
from .routes import ROUTES
from .staff import STAFF_ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=[*ROUTES, *STAFF_ROUTES, *OPEN311_ROUTES],
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[PeriodicJob("reminders", timedelta(hours=1), send_reminders)],
    demo=load_demo,
    scripts=["/static/apply/app.js"],
    styles=["/static/apply/apply.css"],
)

MINIAPP_FACTORY = MINIAPP.create_app

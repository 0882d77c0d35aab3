"""Public facility booking (施設予約): find a room, hall, court or field, see the week's
availability live, book one or several slots, pay with the wallet (resident / non-resident rates,
減免 through the resident ID's claims), get the use permit and receipt (PDF with a signed QR) and a
one-time door code, cancel under the facility's policy; lotteries for contested slots; managers
approve, check in by QR and read occupancy. Built only on machi_sdk.

Hosted by the shell from ``MACHI_MINIAPPS``; it brings its tables, the commands
``machi booking import-facilities CSV``, ``draw`` and ``verify-draw``, the lottery job and the
demo data.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .jobs import run
from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[PeriodicJob("lotteries", timedelta(minutes=5), run)],
    demo=load_demo,
    styles=["/static/booking/booking.css"],
)

MINIAPP_FACTORY = MINIAPP.create_app

"""Water and sewerage bills (水道料金): link one's water account with the customer number and the
verification code on the bill, see each bill and the usage history, be told of a new bill and of
a jump that suggests a leak. Built only on machi_sdk.

It brings its own tables (``piccolo_app``), the commands ``machi water import FILE`` and
``machi water quote --m3 N``, the notices job and demo bills.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .leak import send_notices
from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[PeriodicJob("notices", timedelta(minutes=15), send_notices)],
    demo=load_demo,
    styles=["/static/water/water.css"],
)

MINIAPP_FACTORY = MINIAPP.create_app

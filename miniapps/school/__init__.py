"""School and nursery liaison (学校・園の連絡): guardians link their children with the code the
school gives, report absence, lateness and early pick-up from a phone, read letters in their
language and confirm them, message the class, and show the child's QR at the nursery gate; staff
see the day's board fill in, check children in and out, send letters with files, answer a shared
inbox and export the month. Built only on machi_sdk.

It brings its own tables (``piccolo_app``), the commands ``machi school add-class`` and
``machi school enrol``, the letters job (scheduled letters, translations, notices) and demo data.
"""

from datetime import timedelta
from pathlib import Path

from machi_sdk import MiniApp, PeriodicJob

from .cli import COMMANDS
from .demo import load_demo
from .routes import ROUTES
from .services import send_due_letters

MINIAPP = MiniApp(
    Path(__file__).parent,
    route_handlers=ROUTES,
    piccolo_app=f"{__name__}.piccolo_app",
    commands=COMMANDS,
    jobs=[PeriodicJob("letters", timedelta(minutes=5), send_due_letters)],
    demo=load_demo,
    scripts=["/static/school/app.js"],
    styles=["/static/school/school.css"],
)

MINIAPP_FACTORY = MINIAPP.create_app

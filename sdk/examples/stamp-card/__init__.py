"""Stamp card: the example partner app, built with nothing but machi_sdk.

It runs as its own process (``python sdk/examples/stamp-card/serve.py``), on the shop's origin,
verifying launch tokens with the city's published keys and calling the Platform API with the
client credentials the developer portal issued.
"""

from pathlib import Path

from machi_sdk import MiniApp

from .routes import ROUTES

MINIAPP = MiniApp(
    Path(__file__).parent, route_handlers=ROUTES, scripts=["/static/stamp-card/stamp.js"]
)

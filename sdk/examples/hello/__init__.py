"""Hello: the example mini-app, built with nothing but machi_sdk.

The shell mounts it with ``MINIAPP_FACTORY(shell_url=..., keys=StaticKeys(jwks))`` (in-process)
or ``MINIAPP_FACTORY(shell_url=..., jwks_url=...)`` (fetching the keys over HTTP(S)).
"""

from pathlib import Path

from machi_sdk import MiniApp

from .routes import ROUTES

MINIAPP = MiniApp(Path(__file__).parent, route_handlers=ROUTES)

#: ``MINIAPP_FACTORY(*, shell_url, keys=None, jwks_url=None, platform=None, debug=False)``
#: returns the Litestar application.
MINIAPP_FACTORY = MINIAPP.create_app

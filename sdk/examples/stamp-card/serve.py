"""Run the stamp card as the shop's own server, as a partner would.

    MACHI_SHELL_URL=https://app.city.example MACHI_CLIENT_ID=mc_… MACHI_CLIENT_SECRET=mcs_… \\
    STAMP_SHOP_CODE=… python sdk/examples/stamp-card/serve.py --port 8800

Launch tokens are checked with the city's keys from ``<shell>/.well-known/jwks.json``; the
Platform API is called over HTTPS with the client credentials from the developer portal.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import uvicorn
from machi_sdk import HTTPSPlatform, load_miniapp


def build() -> object:
    shell = os.environ["MACHI_SHELL_URL"].rstrip("/")
    miniapp = load_miniapp(Path(__file__).parent)
    platform = HTTPSPlatform(
        shell, os.environ["MACHI_CLIENT_ID"], os.environ["MACHI_CLIENT_SECRET"]
    )
    return miniapp.create_app(
        shell_url=shell, jwks_url=f"{shell}/.well-known/jwks.json", platform=platform
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args()
    uvicorn.run(build(), host=args.host, port=args.port, log_level="info")

"""machi-sdk: build mini-apps for Machi, the super-app for Japanese municipalities.

Start with the tutorial in the package's README. The names a mini-app uses::

    from machi_sdk import MiniApp, ResidentDep, render, requires_scopes
"""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def static_dir() -> Path:
    """The folder holding ``machi.js``, the bridge the shell serves at ``/sdk/machi.js``."""
    return Path(__file__).parent / "static"


from machi_sdk.app import (  # noqa: E402
    MiniApp,
    PlatformDep,
    ResidentDep,
    load_miniapp,
    requires_scopes,
)
from machi_sdk.auth import KeyProvider, RemoteJWKS, StaticKeys, TokenError, TokenVerifier  # noqa: E402
from machi_sdk.extensions import (  # noqa: E402
    PeriodicJob,
    among,
    ids_among,
    piccolo_app_config,
    write_transaction,
)
from machi_sdk.manifest import Manifest, ManifestError, load_manifest  # noqa: E402
from machi_sdk.offline import Offline  # noqa: E402
from machi_sdk.platform import (  # noqa: E402
    HTTPSPlatform,
    InProcessPlatform,
    Platform,
    PlatformError,
)
from machi_sdk.resident import Resident  # noqa: E402
from machi_sdk.web import is_htmx, render  # noqa: E402

__all__ = [
    "HTTPSPlatform",
    "InProcessPlatform",
    "KeyProvider",
    "Manifest",
    "ManifestError",
    "MiniApp",
    "Offline",
    "PeriodicJob",
    "Platform",
    "PlatformDep",
    "PlatformError",
    "RemoteJWKS",
    "Resident",
    "ResidentDep",
    "StaticKeys",
    "TokenError",
    "TokenVerifier",
    "__version__",
    "among",
    "ids_among",
    "is_htmx",
    "load_manifest",
    "load_miniapp",
    "piccolo_app_config",
    "render",
    "requires_scopes",
    "static_dir",
    "write_transaction",
]

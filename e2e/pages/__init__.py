"""Page objects and browser helpers for the end-to-end tests (import as ``from pages import …``).

``e2e/`` is not a package: pytest puts it on ``sys.path`` for its conftest, so ``pages`` and
``axe`` import as top-level modules from any e2e test.
"""

from pages.pwa import InstallPage, OfflinePage
from pages.service_worker import deliver_push, notifications, wait_for_service_worker
from pages.webauthn import add_virtual_authenticator

__all__ = [
    "InstallPage",
    "OfflinePage",
    "add_virtual_authenticator",
    "deliver_push",
    "notifications",
    "wait_for_service_worker",
]

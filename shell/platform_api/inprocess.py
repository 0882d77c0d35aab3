"""The Platform for first-party apps mounted in the shell's process: no HTTP, same checks.

The SDK's guard has already verified the resident's launch token for this app; each call still
checks that the grant is active now (revoking stops calls at once) and that it holds the scope,
then runs the same action the HTTP route runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec
from machi_sdk import InProcessPlatform, PlatformError, Resident

from shell.platform_api import actions, errors, queries
from shell.platform_api.auth import Caller, caller_for, caller_for_subject
from shell.settings import Settings


async def _caller(app_id: str, resident: Resident) -> Caller:
    if resident.app_id and resident.app_id != app_id:
        raise errors.invalid_token("wrong_audience")
    return await caller_for(app_id, resident.id, resident.scopes, resident.roles)


def platform_for(app_id: str, settings: Settings, *, kpis: Iterable[str] = ()) -> InProcessPlatform:
    """The platform handed to the hosted app ``app_id`` (whose manifest declares ``kpis``)."""
    declared = frozenset(kpis)

    async def profile(app_id: str, resident: Resident) -> Mapping[str, Any]:
        caller = await _caller(app_id, resident)
        return await queries.profile(
            caller.account_id, caller.scopes, app_id=app_id, secret=settings.resolved_secret()
        )

    async def notify(
        app_id: str, resident: Resident | str, title: str, body: str, url: str | None
    ) -> None:
        if isinstance(resident, str):  # a pairwise id the app kept: notify later
            caller = await caller_for_subject(app_id, resident)
        else:
            caller = await _caller(app_id, resident)
        await actions.notify(caller, title, body, url, settings.app_notify_daily_limit)

    async def storage_get(app_id: str, resident: Resident, key: str) -> Any:
        caller = await _caller(app_id, resident)
        caller.need("storage")
        actions.check_key(key)
        value = await queries.stored_value(app_id, caller.account_id, key)
        return None if value is queries.MISSING else value

    async def storage_set(app_id: str, resident: Resident, key: str, value: Any) -> None:
        await actions.store_value(await _caller(app_id, resident), key, value)

    async def kpi(app_id: str, name: str, value: int) -> None:
        await actions.count_kpi(app_id, name, value, declared)

    async def request_payment(  # wallet (issue 5)
        app_id: str, resident: Resident, amount: int, description: str, reference: str
    ) -> dict[str, Any]:
        from shell.wallet import apppay
        from shell.wallet.ledger import Refused as WalletRefused

        caller = await _caller(app_id, resident)
        caller.need("wallet.pay")
        try:
            row = await apppay.create_request(
                app_id=app_id, app_name=app_id, account_id=caller.account_id, amount=amount,
                description=description, reference=reference,
            )  # fmt: skip
        except WalletRefused as exc:
            raise errors.invalid(exc.reason) from None
        view = apppay.public_view(row)
        return {**view, "confirm_url": f"{settings.public_url}/wallet/requests/{row['public_id']}"}

    async def refund_payment(  # wallet (issue 5)
        app_id: str, reference: str, amount: int, refund_reference: str
    ) -> dict[str, Any]:
        from shell.wallet.apppay_routes import RefundBody, refund_for_app

        answer = await refund_for_app(app_id, RefundBody(reference, amount, refund_reference))
        return msgspec.structs.asdict(answer)

    async def audit(
        app_id: str, resident: Resident, action: str, subject: str, detail: dict[str, Any] | None
    ) -> None:
        await actions.app_audit(await _caller(app_id, resident), action, subject, detail)

    async def translate(app_id: str, texts: list[str], target: str, source: str) -> list[str]:
        return await actions.translate_texts(texts, target, source)

    async def remember_translation(
        app_id: str, resident: Resident, source_text: str, target: str, text: str, source: str
    ) -> None:
        caller = await _caller(app_id, resident)
        await actions.remember_translation(caller, source_text, target, text, source)

    return InProcessPlatform(
        app_id,
        profile=_as_platform_errors(profile),
        notify=_as_platform_errors(notify),
        storage_get=_as_platform_errors(storage_get),
        storage_set=_as_platform_errors(storage_set),
        kpi=_as_platform_errors(kpi),
        request_payment=_as_platform_errors(request_payment),
        refund_payment=_as_platform_errors(refund_payment),
        audit=_as_platform_errors(audit),
        translate=_as_platform_errors(translate),
        remember_translation=_as_platform_errors(remember_translation),
    )


def _as_platform_errors(call: Any) -> Any:
    """Refusals become the SDK's ``PlatformError`` with the same code the HTTP API answers."""

    async def wrapped(*args: Any) -> Any:
        try:
            return await call(*args)
        except errors.Refused as exc:
            raise PlatformError(exc.code, exc.message) from None

    return wrapped

"""The OpenAPI document at ``/schema/openapi.json``: the Platform API and how apps authenticate."""

from __future__ import annotations

from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from machi_sdk import __version__ as sdk_version


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Machi Platform API",
        version="1",
        description=(
            "What a mini-app asks the shell to do. Authenticate with the client id and secret"
            " from `machi apps credentials` as HTTP Basic; calls on a resident's behalf also send"
            " their launch token in `Machi-Resident-Token`. Refusals answer"
            ' `{"error": {"code", "message"}}`.'
            f" The machi-sdk {sdk_version} `HTTPSPlatform` calls these endpoints."
        ),
        components=Components(
            security_schemes={
                "appClient": SecurityScheme(
                    type="http", scheme="basic", description="The app's client id and secret."
                )
            }
        ),
    )

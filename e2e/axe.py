"""axe-core accessibility checks: WCAG 2.1 A and AA, failing on serious or critical findings.

The app's CSP (``script-src 'self' 'nonce-…'``) blocks inline scripts, so ``add_script_tag``
cannot inject axe. Playwright's ``evaluate`` compiles the function it is given through the
DevTools protocol, which the page's CSP does not govern: axe's source goes in that way, into
every frame (mini-app iframes included, so ``axe.run`` can reach into them).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

ROOT = Path(__file__).resolve().parent.parent
AXE_PATHS = [
    ROOT / "pwa" / "static" / "vendor" / "axe.min.js",  # copied by pwa/scripts/vendor.mjs
    ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js",
]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


@cache
def axe_source() -> str:
    for path in AXE_PATHS:
        if path.exists():
            return path.read_text()
    raise AssertionError(
        "axe-core not found: `make install` (npm ci --prefix pwa; node pwa/scripts/vendor.mjs)"
    )


async def _inject(page: Page) -> None:
    source = axe_source()
    for frame in page.frames:
        try:
            if await frame.evaluate("() => typeof window.axe === 'undefined'"):
                await frame.evaluate("() => {\n" + source + "\n}")
        except PlaywrightError:
            continue  # a frame that went away while we looked


def describe(violations: list[dict[str, Any]], url: str) -> str:
    lines = [f"axe found {len(violations)} serious or critical violation(s) on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"    … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


async def run_axe(page: Page, *, disable: tuple[str, ...] = ()) -> dict[str, Any]:
    """Run axe on the page as it is now; returns axe's results (violations only)."""
    await _inject(page)
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": TAGS},
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    result: dict[str, Any] = await page.evaluate(
        "(options) => window.axe.run(document, options)", options
    )
    return result


async def check_axe(page: Page, *, disable: tuple[str, ...] = ()) -> dict[str, Any]:
    """Assert that axe finds no serious or critical WCAG 2.1 AA violation on the page.

    ``disable`` turns named rules off; say why wherever you use it.
    """
    result = await run_axe(page, disable=disable)
    blocking = [v for v in result["violations"] if v.get("impact") in BLOCKING]
    assert not blocking, describe(blocking, page.url)
    return result

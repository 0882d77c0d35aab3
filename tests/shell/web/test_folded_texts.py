"""The shell compiles each template once per language with its ``_("literal")`` texts already
translated, and the layout's partials and the home page's sections compiled in
(shell/web/templates.py). Every page must read exactly as when each text is looked up and each
partial included while the page renders."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jinja2 import DictLoader
from markupsafe import Markup

from shell.staff.actions import grant_role
from shell.staff.permissions import ROLES
from shell.web import i18n, templates
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup
from tests.shell.web.test_every_page import pages

# what differs between two responses to the same request: the CSP nonce and the CSRF token
PER_RESPONSE = re.compile(
    r'(nonce="|name="csrf-token" content="|name="_csrf_token" value="|name="key" value=")'
    r'[^"]*"'
)

# a page whose every view shows something new by design
ONE_TIME = {"/wallet/code"}  # a fresh payment code (and its QR) each time


def _same_request_parts(html: str) -> str:
    return PER_RESPONSE.sub(r"\1…", html)


@pytest.mark.parametrize("code", ["ja", "ja-x-easy", "en", "vi"])
async def test_every_page_reads_the_same_with_its_texts_folded(
    app: Any, districts: Any, monkeypatch: pytest.MonkeyPatch, code: str
) -> None:
    async with make_client(app) as staff:
        await signup(staff, SoftAuthenticator(), name="職員 花子", name_kana="しょくいん はなこ")
        from shell.identity.tables import Account

        account = await Account.select().order_by(Account.id, ascending=False).first()
        for role in ROLES:
            await grant_role(account["id"], role, by=None)
        await prime(staff, "/language")
        chosen = await staff.post(
            "/language", data={"language": code, "next": "/"}, headers=csrf_headers(staff)
        )
        assert chosen.status_code in (302, 303), chosen.text
        compared, differ = 0, []
        for path in pages(app):
            if path in ONE_TIME:
                continue
            folded = await staff.get(path)
            with monkeypatch.context() as patch:
                patch.setattr(templates, "_page_environment", templates.environment)
                looked_up = await staff.get(path)
            assert folded.status_code == looked_up.status_code, path
            if "text/html" not in folded.headers.get("content-type", ""):
                continue
            if _same_request_parts(folded.text) != _same_request_parts(looked_up.text):
                differ.append(path)
            compared += 1
        assert differ == [], differ
        assert compared > 20


def _both(source: str, locale: str, **context: Any) -> tuple[str, str]:
    rendered = []
    for env in (templates.environment(), templates.environment(locale)):
        env = env.overlay(loader=DictLoader({"t.html": source}))
        i18n.set_locale(locale)
        try:
            rendered.append(env.get_template("t.html").render(context))
        finally:
            i18n.set_locale("ja")
    return rendered[0], rendered[1]


@pytest.mark.parametrize(
    "source",
    [
        '{{ _("言語") }}',
        '<a title="{{ _(\'言語\') }}">{{ _("言語")|upper }}</a>',
        '{{ _("言語") if flag else _("ホーム") }}|{{ _("ホーム") if not flag else "-" }}',
        '{{ _("言語").startswith("L") }} {{ _("言語") ~ "!" }} {{ [_("言語"), "x"]|join(",") }}',
        '{% set chosen = _("ホーム") %}{{ chosen }}',
        '{{ _("未読%(count)s件", count=n) }} {{ _(label) }}',
        '{{ _("こんにちは、%(name)sさん", name=who) }}|'
        '{{ _("未読%(count)s件", count=(n + 1) * 2)|upper }}',
        '{{ _("こんにちは、%(name)sさん", name=_("未読%(count)s件", count=who)).startswith("H") }}',
        '{{ [_("未読%(count)s件", count=n), (_("言語"))]|join(",") }} '
        '{{ _("未読%(count)s件", count=3) }}',
        '{{ _("<b>") }}',  # not in any catalog: the msgid, as markup, as before
    ],
)
@pytest.mark.parametrize("locale", ["en", "ja"])
def test_a_folded_text_means_what_the_call_meant(source: str, locale: str) -> None:
    looked_up, folded = _both(source, locale, flag=True, n=3, label="言語", who="<b>山田</b>")
    assert folded == looked_up
    assert "_(" not in folded


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_a_folded_text_escapes_its_values_and_keeps_its_own_markup(locale: str) -> None:
    _, folded = _both('{{ _("こんにちは、%(name)sさん", name=who) }}', locale, who="<b>山田</b>")
    assert "&lt;b&gt;山田&lt;/b&gt;" in folded
    assert "<b>" not in folded
    _, kept = _both('{{ _("未読%(count)s件", count=who) }}', locale, who=Markup("<b>3</b>"))
    assert "<b>3</b>" in kept  # markup given as a value stays markup


def test_a_text_is_folded_only_where_it_is_a_single_literal() -> None:
    env = templates.environment("en")
    code = env.compile(
        '{{ _("言語") }}{{ _("ホーム", n=1) }}{{ _("未読%(count)s件", count=n) }}{{ _(x) }}',
        raw=True,
    )
    assert "yield 'LanguageHome'" in code  # written into the page as it is (values known too)
    assert "'%(count)s unread'" in code  # the translation, formatted by a filter
    assert code.count("context.call(") == 1  # only the text not known until the page renders


def test_the_layout_compiles_its_partials_in() -> None:
    env = templates.environment("en")
    source = env.loader.get_source(env, "web/base.html")[0]
    code = env.compile(source, "web/base.html", raw=True)
    for partial in templates.INLINED_PARTIALS:
        assert partial not in code
    assert 'id="unread-badge"' in code  # the badge's text is the layout's own now
    plain = templates.environment()
    assert "notifications/_badge.html" in plain.compile(
        plain.loader.get_source(plain, "web/base.html")[0], raw=True
    )


def test_the_home_page_compiles_its_sections_in(app: Any) -> None:
    from shell.web.home import section_templates

    assert len(section_templates()) >= 4  # the tiles, the notices, the ID and the wallet
    env = templates.environment("en")
    code = env.compile(env.loader.get_source(env, "web/home.html")[0], raw=True)
    for name in [templates.SECTIONS, *section_templates()]:
        assert f"'{name}'" not in code.replace(f"== '{name}'", "")  # compared, not loaded
    assert 'id="wallet-heading"' in code

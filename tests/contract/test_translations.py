"""Every gettext domain (the shell, the SDK, each mini-app) in every language Machi is built for:
the ``.pot`` matches the sources; a catalog has no missing or fuzzy message and keeps every
placeholder.

Gaps are errors in every registered domain (the shell, the SDK, each first-party mini-app) for
Japanese, English and every enabled language (``shell.web.i18n.ENABLED``, all eleven today): a
new string ships translated. Any other gap (a language not enabled yet) is a catalog still being
written: the test is reported as an expected failure naming exactly what is missing (``pytest
-ra`` lists them; ``python -m shell.translation.catalogs`` prints the table), and it passes once
the catalog is complete. A wrong placeholder is an error in every catalog that
exists, since it breaks the page that shows the message.
"""

import pytest

from shell.translation import catalogs
from shell.web.i18n import ALL_LANGUAGES, ENABLED

DOMAINS = catalogs.domains()


@pytest.mark.parametrize("domain", DOMAINS, ids=lambda d: d.name)
def test_pot_is_fresh(domain):
    if not domain.pot.exists() and not domain.first_party:
        pytest.xfail(f"{domain.name}: no .pot yet (mini-app being built)")
    missing, gone = catalogs.stale(domain)
    hint = f"{domain.pot.relative_to(catalogs.ROOT)} is stale; extract it again and translate"
    assert not missing, f"{hint}. New: {missing[:10]}"
    assert not gone, f"{hint}. No longer used: {gone[:10]}"


@pytest.mark.parametrize(
    ("domain", "code"),
    [(d, code) for d in DOMAINS for code in ALL_LANGUAGES],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_catalog_is_complete(domain, code):
    status = catalogs.status(domain, code)
    assert not status.placeholders, status.describe()
    if status.complete:
        return
    if catalogs.must_be_complete(domain, code):
        pytest.fail(status.describe())
    pytest.xfail(f"still to translate: {status.describe()}")


def test_enabled_languages_are_known_and_japanese_comes_first():
    assert ENABLED[0] == "ja"
    assert set(ENABLED) <= set(ALL_LANGUAGES)
    assert {"ja", "en"} <= set(ENABLED)


def test_placeholder_mismatch_fuzzy_and_missing_are_found(tmp_path):
    po = tmp_path / "vi" / "LC_MESSAGES" / "demo.po"
    po.parent.mkdir(parents=True)
    (tmp_path / "demo.pot").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "%(count)s人"\nmsgstr ""\n\n'
        'msgid "こんにちは"\nmsgstr ""\n\nmsgid "さようなら"\nmsgstr ""\n'
    )
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "%(count)s人"\nmsgstr "%(n)s người"\n\n'
        '#, fuzzy\nmsgid "こんにちは"\nmsgstr "Xin chào"\n'
    )
    domain = catalogs.Domain("demo", tmp_path, tmp_path, tmp_path / "babel.cfg", ())
    found = catalogs.status(domain, "vi")
    assert not found.complete
    assert found.placeholders == ["%(count)s人"]
    assert found.fuzzy == ["こんにちは"]
    assert found.untranslated == ["さようなら"]
    assert "placeholders differ" in found.describe()
    assert catalogs.status(domain, "ko").describe() == "demo/ko: no catalog"

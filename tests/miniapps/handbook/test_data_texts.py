"""The data files' texts (vaccine names, dose labels, notes, notices by age in months) are in the
app's catalogs, so a Vietnamese or Nepali parent reads them in their language, not in English."""

from __future__ import annotations

import tomllib

from machi_sdk.testing import FakeShell, miniapp_client

from .conftest import APP_FOLDER, module, token
from .test_records import add_child

data_messages = module("data_messages")
jobs = module("jobs")


def _japanese(value: object) -> set[str]:
    if isinstance(value, dict):
        found = {value["ja"]} if isinstance(value.get("ja"), str) else set()
        return found.union(*(_japanese(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_japanese(v) for v in value))
    return set()


def test_every_japanese_text_of_the_data_files_is_listed_for_the_catalogs():
    files = [*APP_FOLDER.glob("rules/*.toml"), *APP_FOLDER.glob("data/*.toml")]
    in_files = set().union(*(_japanese(tomllib.loads(f.read_text())) for f in files))
    listed = set(data_messages.TEXTS)
    assert in_files - listed == set(), "add these to data_messages.TEXTS and translate them"
    assert listed - in_files == set(), "no longer in the data files: take them out"


def test_each_enabled_language_has_the_vaccine_names_and_notices():
    for locale in ("vi", "ne", "zh-Hant", "pt-BR", "ja-x-easy"):
        catalog = jobs.translator(locale)._catalog  # the compiled catalog's messages
        missing = [text for text in data_messages.TEXTS if not catalog.get(text)]
        assert missing == [], f"{locale}: {missing[:3]}"
    # and the readers see them: a Nepali notice is not the Japanese or English of the file
    notice = "1歳のお誕生日おめでとうございます"
    assert jobs.translator("ne").gettext(notice) not in (notice, "Happy first birthday")


async def test_the_plan_page_names_the_vaccines_in_the_readers_language(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell, "mother")) as mother:
        child = await add_child(mother)
        await mother.post(f"/children/{child}/invite")
    gettext = jobs.translator("vi").gettext
    name = gettext("五種混合（DPT-IPV-Hib）")
    async with miniapp_client(web, token(shell, "mother", locale="vi")) as reader:
        page = await reader.get(f"/children/{child}/plan")
    assert page.status_code == 200
    assert name != "五種混合（DPT-IPV-Hib）"
    assert name in page.text

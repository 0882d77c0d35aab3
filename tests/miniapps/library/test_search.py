"""Catalogue search on the database's full-text index: kanji, kana (either script), readings,
authors, Latin text, ISBN (10 or 13 digits), typos, filters."""

from __future__ import annotations

import pytest

from .conftest import module

search = module("search")
text = module("text")
HARRY = "isbn:9784915512377"


@pytest.mark.parametrize(
    "query",
    [
        "賢者の石",
        "けんじゃ",
        "ケンジャ",
        "ハリー・ポッター",
        "はりーぽったー",
        "ﾊﾘｰ",
        "ろーりんぐ",
        "978-4-915512-37-7",
        "4-915512-37-1",
        "ファンタジー",
    ],
)
async def test_kanji_kana_and_isbn_queries_find_the_book(catalogue, query):
    found = await search.search(query)
    assert found[:1] == [catalogue["title"][HARRY]], query


async def test_readings_and_authors(catalogue):
    soseki = {catalogue["title"]["id:b-2"], catalogue["title"]["id:b-5"]}
    assert set(await search.search("なつめそうせき")) == soseki
    assert set(await search.search("夏目漱石")) == soseki
    assert await search.search("ぎんがてつどう") == [catalogue["title"]["id:b-3"]]


@pytest.mark.parametrize(
    "query", ["けんじゃのいしい", "はりーぽったあ", "Harry Poter", "ぎんがてつどのよる"]
)
async def test_one_typo_still_finds_it(catalogue, query):
    found = await search.search(query)
    assert found, query
    assert found[0] in {
        catalogue["title"][HARRY],
        catalogue["title"]["id:b-4"],
        catalogue["title"]["id:b-3"],
    }


async def test_unrelated_queries_find_nothing(catalogue):
    assert await search.search("量子力学の基礎") == []
    assert await search.search("   ") == []
    assert await search.search("9780000000000") == []  # an ISBN not held


async def test_one_character_is_a_prefix(catalogue):
    assert catalogue["title"]["id:b-2"] in await search.search("猫")


async def test_filters_by_library_and_availability(catalogue):
    tables = module("tables")
    harry = catalogue["title"][HARRY]
    es, jhs = catalogue["branch"]["es"], catalogue["branch"]["jhs"]
    assert await search.search("けんじゃ", search.Filters(branch=jhs)) == [harry]
    assert await search.search("けんじゃ", search.Filters(branch=es)) == []
    await tables.LibraryCopy.update({tables.LibraryCopy.status: "loan"}).where(
        tables.LibraryCopy.barcode == "J001"
    )
    assert await search.search("けんじゃ", search.Filters(branch=jhs, available=True)) == []
    assert await search.search("けんじゃ", search.Filters(available=True)) == [harry]
    assert await search.search("9784915512377", search.Filters(branch=es)) == []


async def test_reimport_updates_the_index(catalogue):
    importer, catalog = module("importer"), module("catalog")
    csv = (
        "id,title,title_kana,branch,barcode\nb-5,坊っちゃん（新版）,しんぱんぼっちゃん,main,C005\n"
    )
    await catalog.import_records(importer.parse_csv(csv.encode()), "again.csv")
    assert await search.search("しんぱん") == [catalogue["title"]["id:b-5"]]


def test_tokens_are_ascii_and_kana_folds():
    assert text.grams("ケンジャ") == text.grams("けんじゃ") == ["けん", "んじ", "じゃ"]
    assert text.document("猫").isascii()
    assert text.isbn13("4915512371") == "9784915512377"


async def test_a_broad_query_is_ranked_among_its_first_matches(catalogue, monkeypatch):
    # on SQLite, more than RANK_CAP matches are ranked among the first RANK_CAP; on both engines
    # every result matches
    monkeypatch.setattr(search, "RANK_CAP", 1)
    soseki = {catalogue["title"]["id:b-2"], catalogue["title"]["id:b-5"]}
    found = await search.search("夏目漱石")
    assert set(found) <= soseki
    assert found


async def test_a_typo_in_a_long_query(catalogue):
    # 10 bigrams or more: one of two halves is free of the typo
    found = await search.search("はりーぽったーとけんじゃのいさ")
    assert found[:1] == [catalogue["title"][HARRY]]
    assert await search.search("はりーぽったーとけんじゃのいさ", search.Filters(branch=0)) == []

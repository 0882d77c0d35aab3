"""The library catalogue: searches per second and their p95 over a generated catalogue of
``--titles`` titles (one copy each, across five libraries) on a fresh SQLite database, against a
bare indexed lookup (one title by its unique key) in the same run.

The searches mix kanji, kana readings, authors, one-typo queries (the slower OR path), and
queries filtered to what is on the shelf, as residents type them. Goal: p95 under 50 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from shell.bench.launch import _timed
from shell.bench.stats import emit, figures
from shell.settings import ROOT

# kanji word, reading
WORDS = [("猫", "ねこ"), ("星", "ほし"), ("海", "うみ"), ("森", "もり"), ("風", "かぜ"),
         ("夜", "よる"), ("魔女", "まじょ"), ("鉄道", "てつどう"), ("銀河", "ぎんが"),
         ("料理", "りょうり"), ("少年", "しょうねん"), ("少女", "しょうじょ"), ("冒険", "ぼうけん"),
         ("歴史", "れきし"), ("昆虫", "こんちゅう"), ("図鑑", "ずかん"), ("数学", "すうがく"),
         ("宇宙", "うちゅう"), ("物語", "ものがたり"), ("王様", "おうさま"), ("探偵", "たんてい"),
         ("花", "はな"), ("雪", "ゆき"), ("時計", "とけい"), ("手紙", "てがみ"), ("島", "しま"),
         ("恐竜", "きょうりゅう"), ("科学", "かがく"), ("旅", "たび"), ("秘密", "ひみつ"),
         ("学校", "がっこう"), ("音楽", "おんがく"), ("絵本", "えほん"), ("家族", "かぞく"),
         ("友達", "ともだち"), ("未来", "みらい"), ("記憶", "きおく"), ("庭", "にわ"),
         ("鳥栖", "とす"), ("佐賀", "さが")]  # fmt: skip
SURNAMES = [("山田", "やまだ"), ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"),
            ("田中", "たなか"), ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("中村", "なかむら"),
            ("小林", "こばやし"), ("加藤", "かとう")]  # fmt: skip
GIVEN = [("太郎", "たろう"), ("花子", "はなこ"), ("健", "けん"), ("陽子", "ようこ"),
         ("翔", "しょう"), ("美咲", "みさき"), ("誠", "まこと"), ("由美", "ゆみ")]  # fmt: skip
SUBJECTS = ["日本文学", "絵本", "児童文学", "自然科学", "歴史", "芸術", "技術", "郷土資料"]
BRANCHES = [("main", "市立図書館", "city"), ("east", "東分館", "city"),
            ("es1", "第一小学校図書館", "elementary"), ("es2", "第二小学校図書館", "elementary"),
            ("jhs", "中学校図書館", "junior_high")]  # fmt: skip


def _title(rng: random.Random) -> tuple[str, str]:
    parts = rng.sample(WORDS, rng.choice((2, 2, 3)))
    joiner = rng.choice(("の", "と"))
    return joiner.join(p[0] for p in parts), joiner.join(p[1] for p in parts)


def _typo(reading: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(reading) - 1)
    return reading[:i] + rng.choice("あいうえおかきくけこ") + reading[i + 1 :]


async def _fill(titles: int, rng: random.Random, modules: dict[str, Any]) -> list[tuple]:
    text, tables = modules["text"], modules["tables"]
    branch_ids = []
    for code, name, kind in BRANCHES:
        rows = await tables.LibraryBranch.insert(
            tables.LibraryBranch(code=code, name=name, kind=kind)
        ).returning(tables.LibraryBranch.id)
        branch_ids.append(rows[0]["id"])
    samples = []
    batch, copies = [], []
    for n in range(1, titles + 1):
        title, reading = _title(rng)
        (sur, sur_r), (given, given_r) = rng.choice(SURNAMES), rng.choice(GIVEN)
        subject = rng.choice(SUBJECTS)
        batch.append(tables.LibraryTitle(
            id=n, key=f"id:b{n}", title=title, title_kana=reading, author=sur + given,
            author_kana=sur_r + given_r, subject=subject, publisher="鳥栖出版",
            search_text=text.document(title, reading, sur + given, sur_r + given_r, subject),
        ))  # fmt: skip
        copies.append(tables.LibraryCopy(barcode=f"B{n:08d}", title=n,
                                         branch=rng.choice(branch_ids),
                                         status=rng.choice(("shelf", "shelf", "loan"))))
        if n % 500 == 0 and len(samples) < 2000:
            samples.append((title, reading, sur + given))
        if len(batch) >= 1000:
            await tables.LibraryTitle.insert(*batch)
            await tables.LibraryCopy.insert(*copies)
            batch, copies = [], []
    if batch:
        await tables.LibraryTitle.insert(*batch)
        await tables.LibraryCopy.insert(*copies)
    return samples or [(title, reading, sur + given)]


async def _run(titles: int, searches: int, seed: int) -> None:
    from machi_sdk.app import load_miniapp

    from shell import db, piccolo_conf

    if "library" not in piccolo_conf.APP_REGISTRY.app_configs:
        raise click.ClickException("the library mini-app is not hosted: add it to MACHI_MINIAPPS")
    miniapp = load_miniapp(ROOT / "miniapps" / "library")
    package = miniapp.route_handlers[0].fn.__module__.rsplit(".", 1)[0]
    modules = {n: importlib.import_module(f"{package}.{n}") for n in ("search", "text", "tables")}
    search, tables = modules["search"], modules["tables"]
    rng = random.Random(seed)
    logging.getLogger("piccolo").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as folder:
        engine = db.engine_for_url(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        db.bind(engine)
        with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports progress on stdout
            await db.migrate()
        began = time.perf_counter()
        samples = await _fill(titles, rng, modules)
        emit({"name": "library", "what": "generated catalogue", "titles": titles,
              "seconds": round(time.perf_counter() - began, 1)})  # fmt: skip

        queries = []
        for i in range(searches):
            title, reading, author = rng.choice(samples)
            kind = i % 5
            if kind == 0:
                queries.append((title, None))
            elif kind == 1:
                queries.append((reading, None))
            elif kind == 2:
                queries.append((author, None))
            elif kind == 3:
                queries.append((_typo(reading, rng), None))
            else:
                queries.append((reading.split("の")[0], search.Filters(available=True)))
        keys = [f"id:b{rng.randint(1, titles)}" for _ in range(searches)]
        failures = 0
        found = 0
        it = iter(range(searches))

        kinds = ("title", "reading", "author", "typo", "on_shelf")
        by_kind: dict[str, list[float]] = {k: [] for k in kinds}

        async def one_search() -> None:
            nonlocal failures, found
            n = next(it)
            q, filters = queries[n % len(queries)]
            began = time.perf_counter()
            try:
                found += bool(await search.search(q, filters))
            except Exception:  # counted, and the run goes on
                failures += 1
            by_kind[kinds[n % 5]].append(time.perf_counter() - began)

        key_it = iter(range(searches * 2))

        async def lookup() -> None:
            await tables.LibraryTitle.select(tables.LibraryTitle.id).where(
                tables.LibraryTitle.key == keys[next(key_it) % len(keys)]).first()  # fmt: skip

        await lookup()
        base_lat, base_time = await _timed(searches, lookup)
        emit({"name": "library", "what": "bare indexed lookup", **figures(base_lat, base_time)})
        lat, elapsed = await _timed(searches, one_search)
        emit({"name": "library", "what": "catalogue search", **figures(lat, elapsed)})
        for kind, kind_lat in by_kind.items():
            if len(kind_lat) >= 2:
                emit({"name": "library", "what": f"search: {kind}",
                      **figures(kind_lat, sum(kind_lat))})  # fmt: skip
        await db.stop(engine)

    baseline, result = figures(base_lat, base_time), figures(lat, elapsed)
    emit({"name": "library", "summary": True, **result,
          "baseline_per_second": baseline["per_second"], "baseline_p95_ms": baseline["p95_ms"],
          "ratio": round(result["per_second"] / baseline["per_second"], 3),
          "titles": titles, "searches": searches, "found": found, "failures": failures,
          "goal_p95_ms": 50, "goal_met": result["p95_ms"] < 50})  # fmt: skip


@click.command("library")
@click.option("--titles", default=200000, show_default=True, help="Titles to generate.")
@click.option("--searches", default=500, show_default=True, help="Searches to measure.")
@click.option("--seed", default=13, show_default=True, help="Random seed of the catalogue.")
def library(titles: int, searches: int, seed: int) -> None:
    """Catalogue searches per second and p95 vs a bare indexed lookup, on SQLite."""
    if titles < 1 or searches < 2:
        raise click.BadParameter("need at least 1 title and 2 searches")
    asyncio.run(_run(titles, searches, seed))

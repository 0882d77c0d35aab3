"""Writes the JMA warning documents in jma_documents/ (run once; the files are committed).

These are NOT real JMA documents: ../shared/data/jma-warnings/ holds none yet. They are built
exactly to the facts its README states (namespaces, Control, Head with a Headline whose kinds
carry no Status, several Warning blocks of which 市町村等 is matched, 7-digit area codes, statuses
発表/継続/解除/警報から注意報/なし, the 2026 level names), so that the importer is tested on that
shape. test_jma.py also reads every *.xml that appears in the shared folder later.

    .venv/bin/python -m tests.shell.disaster.make_documents
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent / "jma_documents"

TAKEO = ("武雄市", "4120600")
SAGA = ("佐賀市", "4120100")
KARATSU = ("唐津市", "4120200")


def kind(name: str, code: str, status: str) -> str:
    return f"<Kind><Name>{name}</Name><Code>{code}</Code><Status>{status}</Status></Kind>"


def item(area: tuple[str, str], *kinds: str) -> str:
    return f"<Item>{''.join(kinds)}<Area><Name>{area[0]}</Name><Code>{area[1]}</Code></Area></Item>"


def document(
    *,
    when: str,
    municipalities: list[str],
    status: str = "通常",
    info_type: str = "発表",
    title: str = "気象警報・注意報（Ｈ２７）",
    headline: str = "大雨警報",
    first_division: list[str] | None = None,
    block_type: str = "気象警報・注意報（市町村等）",
    notice: str = "",
) -> str:
    utc_hour = int(when[11:13]) - 9
    utc = f"{when[:11]}{utc_hour:02d}{when[13:19]}Z"
    notice_xml = f"<Notice>{notice}</Notice>" if notice else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Report xmlns="http://xml.kishou.go.jp/jmaxml1/" xmlns:jmx="http://xml.kishou.go.jp/jmaxml1/">
<Control>
<Title>{title}</Title>
<DateTime>{utc}</DateTime>
<Status>{status}</Status>
<EditorialOffice>佐賀地方気象台</EditorialOffice>
<PublishingOffice>佐賀地方気象台</PublishingOffice>
</Control>
<Head xmlns="http://xml.kishou.go.jp/jmaxml1/informationBasis1/">
<Title>佐賀県気象警報・注意報</Title>
<ReportDateTime>{when}</ReportDateTime>
<TargetDateTime>{when}</TargetDateTime>
<InfoType>{info_type}</InfoType>
<InfoKind>気象警報・注意報</InfoKind>
<InfoKindVersion>1.1_1</InfoKindVersion>
<Headline>
<Text>佐賀県では、土砂災害に警戒してください。</Text>
<Information type="気象警報・注意報（府県予報区等）">
<Item><Kind><Name>{headline}</Name></Kind><Kind><Name>解除</Name></Kind>
<Areas codeType="気象・地震・火山情報／府県予報区等">
<Area><Name>佐賀県</Name><Code>410000</Code></Area></Areas></Item>
</Information>
</Headline>
</Head>
<Body xmlns="http://xml.kishou.go.jp/jmaxml1/body/meteorology1/" xmlns:jmx_eb="http://xml.kishou.go.jp/jmaxml1/elementBasis1/">
{notice_xml}
<Warning type="気象警報・注意報（府県予報区等）">
<Item>{kind(headline, "03", "発表")}<Area><Name>佐賀県</Name><Code>410000</Code></Area></Item>
</Warning>
<Warning type="気象警報・注意報（一次細分区域等）">
{"".join(first_division or [])}
</Warning>
<Warning type="気象警報・注意報（市町村等をまとめた地域等）">
<Item>{kind("大雨特別警報", "33", "発表")}
<Area><Name>武雄・嬉野地区</Name><Code>4120600</Code></Area></Item>
</Warning>
<Warning type="{block_type}">
{"".join(municipalities)}
</Warning>
</Body>
</Report>
"""


DOCUMENTS = {
    # Heavy rain warning issued for Takeo (and only an advisory for Saga city).
    "01_takeo_heavy_rain_issued.xml": document(
        when="2026-07-10T05:10:00+09:00",
        municipalities=[
            item(
                TAKEO,
                kind("大雨警報", "03", "発表"),
                kind("洪水注意報", "18", "発表"),
                kind("雷注意報", "14", "発表"),
            ),
            item(SAGA, kind("大雨注意報", "10", "発表"), kind("雷注意報", "14", "発表")),
        ],
    ),
    # Continued in Takeo, lifted in Karatsu: one document, two areas, two decisions.
    "02_takeo_continued_karatsu_cleared.xml": document(
        when="2026-07-10T08:40:00+09:00",
        municipalities=[
            item(
                TAKEO,
                kind("大雨警報", "03", "継続"),
                kind("洪水注意報", "18", "継続"),
                kind("雷注意報", "14", "継続"),
            ),
            item(KARATSU, kind("大雨警報", "03", "解除")),
        ],
    ),
    # The warning steps down to an advisory: nothing that triggered is in force any more.
    "03_takeo_warning_to_advisory.xml": document(
        when="2026-07-10T16:20:00+09:00",
        headline="大雨注意報",
        municipalities=[
            item(
                TAKEO,
                kind("大雨注意報", "10", "警報から注意報"),
                kind("洪水注意報", "18", "解除"),
                kind("雷注意報", "14", "継続"),
            ),
        ],
    ),
    # Everything lifted.
    "04_takeo_all_cleared.xml": document(
        when="2026-07-11T06:00:00+09:00",
        headline="解除",
        municipalities=[
            item(TAKEO, kind("大雨注意報", "10", "解除"), kind("雷注意報", "14", "解除"))
        ],
    ),
}

DRILLS = {
    # A drill of an emergency warning: 訓練 is never acted on.
    "drill_special_warning.xml": document(
        when="2026-09-01T10:00:00+09:00",
        status="訓練",
        headline="大雨特別警報",
        municipalities=[item(TAKEO, kind("大雨特別警報", "33", "発表"))],
    ),
    "test_document.xml": document(
        when="2026-09-01T11:00:00+09:00",
        status="試験",
        municipalities=[item(TAKEO, kind("大雨警報", "03", "発表"))],
    ),
}

OTHERS = {
    # 取消: the document withdraws an earlier one.
    "cancelled.xml": document(
        when="2026-07-12T09:00:00+09:00",
        info_type="取消",
        municipalities=[item(TAKEO, kind("大雨警報", "03", "発表"))],
    ),
    # VPWW53 whose Notice speaks of 特別警報 in calm weather; only advisories in the Body.
    "vpww53_notice_mentions_special.xml": document(
        when="2026-07-13T05:00:00+09:00",
        title="気象特別警報・警報・注意報",
        headline="乾燥注意報",
        notice="大雨特別警報の発表基準を改正しました。",
        municipalities=[item(TAKEO, kind("乾燥注意報", "21", "発表"))],
    ),
    # Special warnings only in a 3-digit 一次細分区域 and the grouped area; not for Takeo itself.
    "first_division_only.xml": document(
        when="2026-07-14T05:00:00+09:00",
        headline="大雨特別警報",
        first_division=[
            "<Item>"
            + kind("大雨特別警報", "33", "発表")
            + "<Area><Name>南部</Name><Code>412</Code></Area></Item>"
        ],
        municipalities=[item(SAGA, kind("大雨注意報", "10", "発表"))],
    ),
    # The 2026 level names beside the old ones, and a kind this importer has never seen.
    "levels_2026.xml": document(
        when="2026-07-15T05:00:00+09:00",
        headline="大雨危険警報",
        block_type="市町村等",
        municipalities=[
            item(
                TAKEO,
                kind("レベル２大雨注意報", "50", "発表"),
                kind("大雨危険警報", "54", "発表"),
                kind("線状降水帯予測", "99", "発表"),
            ),
        ],
    ),
    # A special warning.
    "special_warning.xml": document(
        when="2026-07-16T03:00:00+09:00",
        headline="大雨特別警報",
        municipalities=[
            item(TAKEO, kind("大雨特別警報", "33", "発表"), kind("洪水警報", "04", "発表"))
        ],
    ),
    # A storm-surge advisory alone: recorded, no notice, no mode.
    "advisory_only.xml": document(
        when="2026-07-17T03:00:00+09:00",
        headline="強風注意報",
        municipalities=[item(TAKEO, kind("強風注意報", "15", "発表"))],
    ),
}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, text in {**DOCUMENTS, **DRILLS, **OTHERS}.items():
        (HERE / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

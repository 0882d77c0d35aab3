"""static/machi.js: the bridge's handshake, RPC, schema checks, token header and events, run in Node
against a stand-in window and shell (bridge_harness.js). The browser end to end is in e2e/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from machi_sdk import static_dir

NODE = shutil.which("node")
HARNESS = Path(__file__).with_name("bridge_harness.js")
SHELL = "http://localhost:8000"

pytestmark = pytest.mark.skipif(
    NODE is None, reason="Node.js is not installed (make install brings it)"
)


@pytest.fixture(name="run", scope="module")
def fx_run() -> dict:
    assert NODE is not None
    result = subprocess.run(
        [NODE, str(HARNESS), str(static_dir() / "machi.js")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_bridge_says_hello_to_the_shell_origin_only(run):
    [hello] = run["framed"]["hello"]
    document_id = hello["data"].pop("doc")
    assert hello == {"data": {"machi": 1, "type": "hello", "app": "hello"}, "origin": SHELL}
    # The hello names this document (the shell answers each document once): 96 random bits.
    assert re.fullmatch(r"[0-9a-f]{24}", document_id)


def test_a_welcome_from_another_origin_or_window_is_ignored(run):
    assert run["framed"]["ignored"] == {"evil": [], "stranger": [], "locale": "ja"}


def test_after_the_welcome_it_asks_for_a_token_and_announces_ready(run):
    framed = run["framed"]
    assert framed["firstRequest"] == {"id": 1, "method": "getToken", "params": {}}
    assert framed["ready"] == 1
    assert framed["token"] == "T1"
    # <html lang> stays the language the page is written in (the app may not ship the resident's)
    assert framed["locale"] == {"machi": "en", "html": "ja", "theme": "dark", "attr": "dark"}


def test_htmx_requests_carry_the_token_to_the_apps_own_origin_only(run):
    assert run["framed"]["headers"] == {"same": {"Authorization": "Bearer T1"}, "cross": {}}


def test_bad_parameters_never_reach_the_shell(run):
    framed = run["framed"]
    assert set(framed["refusals"].values()) <= {"invalid_params", "unknown_method"}
    assert framed["refusals"]["unknown"] == "unknown_method"
    assert framed["afterRefusals"] == 0


def test_calls_go_over_the_port_and_errors_come_back(run):
    framed = run["framed"]
    assert framed["setTitle"] == {
        "request": {"id": 2, "method": "setTitle", "params": {"title": "スタンプ"}},
        "outcome": "denied",
    }
    assert framed["pay"]["request"]["params"] == {
        "amount": 500,
        "description": "コーヒー",
        "reference": "o-1",
    }
    assert framed["pay"]["result"] == {"status": "paid"}
    assert framed["supports"]["result"] is True


def test_shell_events_reach_handlers_and_the_body(run):
    # "reading": the shell tells which sentence it reads, for the page to highlight it
    seen = ["ja", "shown-on-body", "reading 1"]
    assert run["framed"]["events"] == {"seen": seen, "html": "ja"}


def test_read_aloud_hands_the_shell_the_pages_sentences(run):
    framed = run["framed"]
    assert framed["readAloud"]["method"] == "readAloud"
    assert framed["readAloud"]["params"] == {
        "sentences": ["ごみの日です。", "朝8時までに出してください。"],
        "lang": "ja",
    }
    # no sentence, a blank one, more than 5000 characters, and furigana without texts or with
    # an over-long one never reach the shell
    for case in ("noSentences", "blankSentence", "longReading", "rubyNoTexts", "rubyTooLong"):
        assert framed["refusals"][case] == "invalid_params", case


def test_a_second_welcome_does_not_replace_the_port(run):
    assert run["framed"]["secondWelcome"] == {"late": 0, "original": ["close"]}
    assert run["framed"]["frozen"] is True


def test_outside_the_shell_it_says_so_and_sends_nothing(run):
    assert run["unframed"] == {"posted": 0, "shown": True}


def test_the_bridge_has_no_eval():
    source = (static_dir() / "machi.js").read_text()
    for forbidden in ("eval(", "new Function", "innerHTML", "document.write"):
        assert forbidden not in source


def test_a_pay_button_submits_its_form_only_once_the_shell_says_paid(run):
    declared = run["declarative"]
    # the data-amount/description/reference, and the button disabled while the sheet is open
    assert declared["payRequest"] == {
        "method": "pay",
        "params": {"amount": 1600, "description": "手数料", "reference": "A-7"},
        "disabled": True,
    }
    assert declared["paid"] == {"submitted": 1, "disabled": False}
    # cancelled in the sheet: nothing is submitted, the button can be pressed again
    assert declared["cancelled"] == {"submitted": 1, "disabled": False}


def test_a_scan_button_puts_the_code_read_into_its_field_and_submits(run):
    declared = run["declarative"]
    assert declared["scanRequest"] == {"method": "scanQR", "disabled": True}
    assert declared["scanned"] == {"code": "CHILD-42", "submitted": 1, "disabled": False}


def test_downloads_are_fetched_with_the_token_saved_and_announced(run):
    declared = run["declarative"]
    done, named, missing, away, exported = declared["saves"]
    assert done == {"name": "permit-1.pdf", "body": "%PDF-1.4", "status": "保存しました。"}
    # no name given: the one the server sent (Content-Disposition, UTF-8 too)
    assert named == {"name": "案内.pdf", "body": "案内", "status": "保存しました。"}
    assert missing == {"name": None, "body": None, "status": "保存できませんでした。"}
    # a GET form: its fields as the query
    assert exported["name"] == "attendance-3-2026-11.csv"
    assert exported["status"] == "保存しました。"
    assert declared["prevented"] == {
        "permit": True,
        "inner": True,
        "missing": True,
        "away": False,
        "form": True,
    }
    assert away["name"] is None


def test_the_token_goes_only_to_the_apps_own_origin(run):
    fetched = run["declarative"]["fetched"]
    assert {f["authorization"] for f in fetched} == {"Bearer T9"}
    assert [f["url"] for f in fetched] == [
        "/files/7",
        "/files/8",
        "/orders/1/permit.pdf",
        "/attachments/3",
        "/gone",
        "/export?month=2026-11",
    ]


def test_images_behind_the_token_are_shown_or_marked_missing(run):
    images = run["declarative"]["images"]
    assert images == {"photo": "blob:", "photoAlt": "通報の写真", "lostAlt": "対応後の写真 ×"}

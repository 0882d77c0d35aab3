"""Online applications and reports in Chromium, resident and staff each on their own phone.

An application: a resident finds a procedure in plain words, their name is already filled in,
they send it and pay the fee in the shell's sheet (paid only when the shell says so); counter
staff take it, ask for a correction; the resident answers on the same application; staff approve
and complete; the resident gets the notification and saves the result as PDF.
A report: a resident reports a broken road with a photo and the place tapped on the city map;
roads staff close it with a reply; the resident sees it closed. axe on every screen."""

from __future__ import annotations

import re

import pytest
from axe import check_axe
from pages.apply import ApplyApp
from pages.browser import phone_page
from pages.identity import Resident, sign_up
from pages.staff import become_staff
from pages.wallet import WalletPage
from playwright.async_api import expect

pytestmark = pytest.mark.e2e

# A tiny JPEG carrying an Exif GPS segment (the app stores it without).
_EXIF = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08GPS33.19,130.02"
PHOTO = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xe1" + (len(_EXIF) + 2).to_bytes(2, "big") + _EXIF
    + b"\xff\xdb\x00\x05\x00\x01\x02\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00\x12\x34\x56\xff\xd9"
)  # fmt: skip


async def test_apply_pay_correct_approve_and_receive(browser, server):
    contexts: list = []
    try:
        resident = await phone_page(browser, server, contexts)
        await sign_up(resident, Resident(name="犬飼 さくら", kana="いぬかい さくら"))
        await WalletPage(resident).top_up(3000)
        app = ApplyApp(resident)
        await app.open_from_home()
        await check_axe(resident)
        await app.find("鑑札 なくした", "dog-tag")
        frame = app.frame
        await expect(frame.get_by_label("飼い主のお名前")).to_have_value("犬飼 さくら")
        # nothing filled: refused, each field says why, nothing sent
        await frame.get_by_test_id("apply-submit").click()
        await expect(frame.get_by_test_id("apply-error")).to_contain_text("入力に誤りがあります")
        await check_axe(resident)
        await frame.get_by_label("犬の名前").fill("ポチ")
        await frame.get_by_label("なくした").check()
        await frame.get_by_role("radio", name="郵送", exact=True).check()
        await expect(frame.get_by_label("郵送先の住所")).to_be_visible()  # a conditional section
        await frame.get_by_label("窓口で受け取る").check()
        await expect(frame.get_by_label("郵送先の住所")).to_be_hidden()
        await frame.get_by_label("入力した内容に間違いがないことを確認しました").check()
        await frame.get_by_test_id("apply-submit").click()
        await expect(frame.get_by_test_id("apply-status")).to_have_text("お支払い待ち")
        number = (await frame.get_by_test_id("apply-number").inner_text()).strip()
        await check_axe(resident)
        await frame.get_by_test_id("apply-pay").click()
        await expect(resident.get_by_test_id("pay-sheet")).to_contain_text("1,600")
        await resident.get_by_test_id("pay-request-confirm").click()
        await expect(frame.get_by_test_id("apply-paid")).to_be_visible()
        await expect(frame.get_by_test_id("apply-status")).to_have_text("受付済み")

        staff = await phone_page(browser, server, contexts)
        await become_staff(staff, server, "counter", Resident(name="窓口 花", kana="まどぐち はな"))
        desk = ApplyApp(staff)
        await desk.open_from_home()
        await desk.staff_open(number)
        await check_axe(staff)
        await desk.frame.get_by_test_id("apply-assign").click()
        await expect(desk.frame.get_by_test_id("apply-assignee")).to_have_text("窓口 花")
        await desk.staff_move(
            "correction", "犬の名前を鑑札の登録どおり、カタカナで書いてください。"
        )
        await expect(desk.frame.get_by_test_id("apply-staff-status")).to_have_text("補正のお願い")
        # the builder of this procedure, its phone preview and the figures, as staff see them
        await desk.staff_tour_builder("dog-tag", "犬の鑑札の再交付申請")
        await check_axe(staff)
        await desk.staff_preview()
        await check_axe(staff)
        await desk.staff_kpis()
        await check_axe(staff)

        await app.open_from_home(first_time=False)
        await app.open_application(number)
        await expect(frame.get_by_test_id("apply-status")).to_have_text("補正のお願い")
        await expect(frame.get_by_test_id("apply-correction-message")).to_contain_text("カタカナ")
        await check_axe(resident)
        await (
            frame.get_by_test_id("apply-correction")
            .get_by_label("犬の名前")
            .fill("ポチ（ポメラニアン）")
        )
        await frame.get_by_test_id("apply-reply").fill("直しました。")
        await frame.get_by_test_id("apply-answer").click()
        await expect(frame.get_by_test_id("apply-status")).to_have_text("審査中")

        await desk.open_from_home(first_time=False)
        await desk.staff_open(number)
        await expect(desk.frame.get_by_test_id("apply-history")).to_contain_text("直しました。")
        await desk.staff_move("approved", "再交付します。")
        await desk.staff_move("completed", "新しい鑑札を窓口でお渡しします。")
        await expect(desk.frame.get_by_test_id("apply-staff-status")).to_have_text("完了")

        await resident.goto("/inbox")
        await expect(resident.get_by_test_id("inbox-item").first).to_contain_text(
            "手続きが完了しました"
        )
        await app.open_from_home(first_time=False)
        await app.open_application(number)
        await expect(frame.get_by_test_id("apply-result")).to_contain_text("窓口でお渡しします")
        async with resident.expect_download() as download_info:
            await frame.get_by_test_id("apply-result-pdf").click()
        download = await download_info.value
        assert download.suggested_filename == f"apply-{number}.pdf"
        assert (await download.path()).read_bytes().startswith(b"%PDF-1.4")
        await check_axe(resident)
    finally:
        for context in contexts:
            await context.close()


async def test_report_a_road_with_a_photo_and_see_it_closed(browser, server, tmp_path):
    contexts: list = []
    photo = tmp_path / "road.jpg"
    photo.write_bytes(PHOTO)
    try:
        resident = await phone_page(browser, server, contexts)
        await sign_up(resident, Resident(name="道野 歩", kana="みちの あゆむ", district="takeo"))
        app = ApplyApp(resident)
        await app.open_from_home()
        await app.frame.get_by_test_id("apply-nav-reports").click()
        frame = app.frame
        await expect(frame.get_by_role("heading", level=1)).to_have_text("通報")
        await check_axe(resident)
        await frame.get_by_test_id("apply-category-road").check()
        await frame.get_by_test_id("apply-photo").set_input_files(str(photo))
        # the place: a tap on the city map at 武雄町 (the first district drawn), nudged with a key
        city_map = frame.get_by_test_id("apply-map-svg")
        dot = await city_map.locator(".apply-map__district").first.bounding_box()
        box = await city_map.bounding_box()
        assert dot is not None
        assert box is not None
        await city_map.click(position={"x": dot["x"] + dot["width"] / 2 - box["x"],
                                       "y": dot["y"] + dot["height"] / 2 - box["y"]})  # fmt: skip
        status = frame.get_by_test_id("apply-map-status")
        chosen = re.compile(r"地図で選んだ場所 \((\d+\.\d{6}), (\d+\.\d{6})\)")
        await expect(status).to_contain_text(chosen)
        first = [float(v) for v in chosen.search(await status.inner_text()).groups()]
        assert abs(first[0] - 33.194) < 0.01  # within a few pixels of 武雄町 on the map
        assert abs(first[1] - 130.020) < 0.01
        await city_map.press("ArrowUp")  # the keyboard moves the mark north
        await expect(status).not_to_contain_text(f"{first[0]:.6f}")
        moved = [float(v) for v in chosen.search(await status.inner_text()).groups()]
        assert moved[0] > first[0]
        assert moved[1] == first[1]
        await frame.get_by_test_id("apply-address").fill("武雄温泉駅の北口、郵便局の前")
        await frame.get_by_test_id("apply-note").fill("車道に深い穴があります")
        await frame.get_by_test_id("apply-report-send").click()
        await expect(frame.get_by_test_id("apply-report-filed")).to_be_visible()
        number = (await frame.get_by_test_id("apply-report-number").inner_text()).strip()
        assert re.fullmatch(r"R\d{4}-\d{4}", number)
        await expect(frame.get_by_test_id("apply-my-report-status").first).to_have_text("受付済み")
        await check_axe(resident)

        staff = await phone_page(browser, server, contexts)
        await become_staff(
            staff, server, "public_works", Resident(name="土木 剛", kana="どぼく つよし")
        )
        works = ApplyApp(staff)
        await works.open_from_home()
        await works.frame.get_by_test_id("apply-nav-staff-reports").click()
        await works.frame.get_by_role("link", name=number).click()
        await expect(works.frame.get_by_test_id("apply-report-photo")).to_have_attribute(
            "src", re.compile(r"^blob:")
        )
        await check_axe(staff)
        await works.frame.get_by_test_id("apply-report-move-closed").check()
        await works.frame.get_by_test_id("apply-report-message").fill("穴を埋めました。")
        await works.frame.get_by_test_id("apply-closing-photo-input").set_input_files(str(photo))
        await works.frame.get_by_test_id("apply-report-save").click()
        await expect(works.frame.get_by_test_id("apply-report-status")).to_have_text("対応済み")

        await app.open_from_home(first_time=False)
        await frame.get_by_test_id("apply-nav-reports").click()
        await expect(frame.get_by_test_id("apply-my-report-status").first).to_have_text("対応済み")
        await frame.get_by_test_id("apply-my-report").first.get_by_role("link").click()
        await expect(frame.get_by_test_id("apply-report-history")).to_contain_text(
            "穴を埋めました。"
        )
        await expect(frame.get_by_test_id("apply-closing-photo")).to_be_visible()
        await expect(frame.get_by_test_id("apply-report")).to_contain_text("武雄町")
        await expect(frame.get_by_test_id("apply-map")).to_be_visible()  # its place on the map
        await check_axe(resident)
    finally:
        for context in contexts:
            await context.close()


async def test_staff_build_and_publish_a_form_with_a_fee_then_a_resident_applies_and_pays(
    browser, server
):
    """No programmer: counter staff build a procedure with typed fields and a fee per unit,
    publish it, and a resident finds it, sees their name filled in and pays what it costs."""
    contexts: list = []
    try:
        staff = await phone_page(browser, server, contexts)
        clerk = Resident(name="窓口 作", kana="まどぐち つくる")
        await become_staff(staff, server, "counter", clerk)
        desk = ApplyApp(staff)
        await desk.open_from_home()
        frame = desk.frame
        await frame.get_by_test_id("apply-nav-staff").click()
        await frame.get_by_test_id("apply-staff-forms-link").click()
        await frame.get_by_test_id("apply-new-slug").fill("bicycle-parking")
        await frame.get_by_test_id("apply-new-title").fill("市営駐輪場の定期利用申請")
        await frame.get_by_test_id("apply-new-form").click()
        await expect(frame.get_by_test_id("apply-form-state")).to_contain_text("未公開")

        async def add_field(kind: str, key: str, label: str, **extra: str) -> None:
            form = frame.get_by_test_id("apply-add-field")
            await form.locator("#apply-fl-type").select_option(kind)
            await form.locator("#apply-fl-key").fill(key)
            await form.locator("#apply-fl-ja").fill(label)
            await form.locator("#apply-fl-req").check()
            if "prefill" in extra:
                await form.locator("#apply-fl-prefill").select_option(extra["prefill"])
            if "max" in extra:
                await form.locator("#apply-fl-min").fill("1")
                await form.locator("#apply-fl-max").fill(extra["max"])
            await frame.get_by_test_id("apply-add-field-submit").click()
            await expect(frame.get_by_test_id("apply-draft-fields")).to_contain_text(label)

        await add_field("text", "name", "お名前", prefill="profile.name")
        await add_field("number", "bikes", "自転車の台数", max="3")
        await add_field("consent", "agree", "利用の決まりに同意します")
        await frame.locator("#apply-fee-base").fill("300")
        await frame.locator("#apply-fee-per").select_option("bikes")
        await frame.locator("#apply-fee-per-amount").fill("200")
        await frame.locator("#apply-fee-base").press("Enter")  # saves the fee rules
        await expect(frame.get_by_test_id("apply-message")).to_have_text("保存しました。")
        await check_axe(staff)
        await frame.get_by_test_id("apply-publish").click()
        await expect(frame.get_by_test_id("apply-form-state")).to_contain_text("第1版を公開中")

        resident = await phone_page(browser, server, contexts)
        await sign_up(resident, Resident(name="自転 走", kana="じてん はしる"))
        await WalletPage(resident).top_up(1000)
        app = ApplyApp(resident)
        await app.open_from_home()
        await app.find("駐輪場", "bicycle-parking")
        await expect(app.frame.get_by_label("お名前")).to_have_value("自転 走")
        await app.frame.get_by_label("自転車の台数").fill("2")
        await app.frame.get_by_label("利用の決まりに同意します").check()
        await app.frame.get_by_test_id("apply-submit").click()
        await expect(app.frame.get_by_test_id("apply-status")).to_have_text("お支払い待ち")
        await app.frame.get_by_test_id("apply-pay").click()
        await expect(resident.get_by_test_id("pay-sheet")).to_contain_text("700")  # 300 + 2 x 200
        await resident.get_by_test_id("pay-request-confirm").click()
        await expect(app.frame.get_by_test_id("apply-status")).to_have_text("受付済み")
        await check_axe(resident)
    finally:
        for context in contexts:
            await context.close()

"""Messages shown in the resident's language, marked for extraction (Japanese is the source)."""

from machi_sdk.i18n import N_

KIND_LABELS = {
    "room": N_("会議室・和室"),
    "hall": N_("ホール"),
    "gym": N_("体育館"),
    "court": N_("コート"),
    "field": N_("グラウンド・野球場"),
}

REFUSALS = {
    "unknown_facility": N_("その施設は見つかりません。"),
    "no_slot": N_("予約する時間帯を1つ以上選んでください。"),
    "one_day": N_("1回の予約で選べるのは同じ日の時間帯だけです。"),
    "too_many_slots": N_("1回の予約で選べるのは6枠までです。"),
    "past": N_("過ぎた時間帯は予約できません。"),
    "too_far": N_("予約できるのは90日先までです。"),
    "closed_day": N_("その日は休館日です。"),
    "outside_hours": N_("開館時間外の時間帯は予約できません。"),
    "not_consecutive": N_("続いた時間帯を選んでください。"),
    "lottery_slot": N_("この期間は抽選です。抽選に申し込んでください。"),
    "bad_people": N_("人数を1人以上で入れてください。"),
    "over_capacity": N_("人数が定員を超えています。"),
    "taken": N_(
        "申し訳ありません。その時間帯はたった今ほかの方が予約しました。別の時間帯を選んでください。"
    ),
    "unknown_booking": N_("その予約は見つかりません。"),
    "not_cancellable": N_("この予約は取り消せません。"),
    "too_late_to_cancel": N_("利用日の当日以降は取り消せません。施設にお問い合わせください。"),
    "not_requested": N_("この予約は承認待ちではありません。"),
    "reason_needed": N_("お断りする理由を入れてください。"),
    "bad_payment_change": N_("この予約の支払い状態はそのように変えられません。"),
    "forged_permit": N_("この許可証は確認できません。本市が発行したものではありません。"),
    "permit_not_valid": N_("この許可証の予約は有効ではありません（取消し・お断り）。"),
    "not_today": N_("この許可証は今日の予約のものではありません。"),
    "bad_name": N_("施設名を入れてください。"),
    "bad_kind": N_("施設の種類を選んでください。"),
    "bad_weekdays": N_("利用できる曜日を選んでください。"),
    "bad_hours": N_("開館・閉館時刻と1枠の長さを正しく入れてください。"),
    "bad_fee": N_("料金と定員は0以上の整数で入れてください。"),
    "bad_percent": N_("割合は0から100、日数は0から365で入れてください。"),
    "bad_range": N_("期間を正しく入れてください（終わりは始まり以降、締切は期間の前）。"),
    "bad_date": N_("日付を正しく入れてください（例: 2026-12-05）。"),
    "bad_photo": N_("写真はPNG・JPEG・WebPで、2MBまでです。"),
    "no_caption": N_("写真の説明（画面の読み上げに使います）を入れてください。"),
    "unknown_lottery": N_("その抽選は見つかりません。"),
    "lottery_closed": N_("この抽選の申込みは締め切りました。"),
    "lottery_still_open": N_("まだ申込み期間中です。"),
    "bad_choices": N_("希望の時間帯を抽選の期間の中から、重ならないように選んでください。"),
    "already_entered": N_("この抽選にはすでに申し込んでいます。申込みは1世帯1回までです。"),
    "household_entered": N_(
        "この世帯の方がすでにこの抽選に申し込んでいます。申込みは1世帯1回までです。"
    ),
    "household_needed": N_(
        "抽選に申し込めるのは、市民証の本人確認（住所の確認）が済んだ方です。"
        "市役所の窓口かマイナンバーカードで本人確認をしてください。"
        "先着順の空き枠は、本人確認がなくても予約できます。"
    ),
}

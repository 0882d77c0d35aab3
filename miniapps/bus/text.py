"""Messages shown in the reader's language, marked for extraction (Japanese is the source)."""

from machi_sdk.i18n import N_

REFUSALS = {
    "not_registered": N_("先に利用者登録をしてください。"),
    "unknown_stop": N_("その停留所は見つかりません。一覧から選んでください。"),
    "same_stop": N_("乗る停留所と降りる停留所が同じです。"),
    "no_place": N_("停留所を選ぶか、地図の位置（緯度・経度）を入れてください。"),
    "bad_point": N_("緯度・経度を数字で入れてください（例: 33.50, 129.87）。"),
    "outside_area": N_("その場所は運行区域の外です（近くに停留所がありません）。"),
    "bad_time": N_("日付と時刻を正しく入れてください（例: 09:30）。"),
    "outside_hours": N_("その時刻は運行時間外です（%(start)s〜%(end)s）。"),
    "past": N_("過ぎた時刻は予約できません。"),
    "too_far": N_("予約できるのは14日先までです。"),
    "bad_riders": N_("人数を1人以上で入れてください。"),
    "too_many_riders": N_("1台に乗れるのは%(seats)s人までです。人数を減らしてください。"),
    "no_wheelchair": N_("車いすで乗れる車両がありません。お電話でご相談ください。"),
    "full": N_("申し訳ありません。その前後の時間はいっぱいです。別の時間を選んでください。"),
    "unknown_ride": N_("その予約は見つかりません。"),
    "not_cancellable": N_("この予約はもう取り消せません。"),
    "not_next": N_("その乗客はこの車両の次の予定にいません。画面を更新してください。"),
    "bad_name": N_("お名前（呼び名）を入れてください。"),
    "bad_phone": N_("電話番号を数字で入れてください。"),
    "bad_settings": N_("設定の値が正しくありません。"),
    "busy": N_("ほかの予約と重なりました。もう一度お試しください。"),
}

STATUS_LABELS = {
    "booked": N_("予約済み"),
    "on_board": N_("乗車中"),
    "done": N_("降車済み"),
    "no_show": N_("乗車なし"),
    "cancelled": N_("取消し"),
}

PAYMENT_LABELS = {
    "unpaid": N_("未払い"),
    "wallet_pending": N_("お支払い待ち"),
    "paid": N_("支払い済み"),
    "on_board": N_("車内で支払い"),
    "refunded": N_("返金済み"),
}

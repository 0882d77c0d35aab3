"""Labels and formats shared by the pages (Japanese source text, translated where shown)."""

from __future__ import annotations

import datetime as dt

from machi_sdk.i18n import N_

JST = dt.timezone(dt.timedelta(hours=9))

STATUS_LABELS = {
    "draft": N_("下書き"),
    "payment": N_("お支払い待ち"),
    "received": N_("受付済み"),
    "in_review": N_("審査中"),
    "correction": N_("補正のお願い"),
    "approved": N_("承認"),
    "rejected": N_("不承認"),
    "completed": N_("完了"),
}
STATUS_HINTS = {
    "draft": N_("まだ送っていません。続きを入力して送ってください。"),
    "payment": N_("手数料のお支払いが済むと受け付けます。"),
    "received": N_("市役所で受け付けました。担当者が確認します。"),
    "in_review": N_("担当者が内容を確認しています。"),
    "correction": N_(
        "内容の直しをお願いしています。下のメッセージを読んで、同じ申請で答えてください。"
    ),
    "approved": N_("承認されました。結果の受け取りをお待ちください。"),
    "rejected": N_("承認されませんでした。理由は下のメッセージをご覧ください。"),
    "completed": N_("手続きが完了しました。"),
}
REPORT_CATEGORIES = {
    "road": N_("道路の破損"),
    "streetlight": N_("街灯の故障"),
    "park": N_("公園の遊具・設備"),
    "fallen_tree": N_("倒木"),
    "dumping": N_("不法投棄"),
    "other": N_("その他"),
}
REPORT_STATUSES = {
    "open": N_("受付済み"),
    "assigned": N_("対応中"),
    "closed": N_("対応済み"),
}
FIELD_TYPES = {
    "text": N_("文字"),
    "kana": N_("ふりがな"),
    "number": N_("数"),
    "date": N_("日付"),
    "choice": N_("選択肢"),
    "address": N_("住所"),
    "attachment": N_("ファイルの添付"),
    "consent": N_("同意のチェック"),
    "section": N_("見出し（条件付きの区切り）"),
}
PREFILLS = {"profile.name": N_("お名前"), "profile.district": N_("お住まいの地区")}
RESULTS = {
    "notice": N_("お知らせだけ"),
    "document": N_("PDFの書類"),
    "post": N_("郵送"),
}

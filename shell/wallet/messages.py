"""What a refusal says to the person, in their language."""

from __future__ import annotations

from shell.web.i18n import _


def refusal(reason: str) -> str:
    return {
        "amount": _("1円以上の金額を、数字で入力してください。"),
        "amount_too_large": _("一度に使える金額は100万円までです。"),
        "insufficient": _("残高が足りません。チャージしてからもう一度お試しください。"),
        "merchant_unknown": _("そのお店は見つかりませんでした。"),
        "merchant_unavailable": _("このお店では、いま支払いを受け付けていません。"),
        "idempotency_key": _("画面が古くなっています。もう一度開き直してください。"),
        "idempotency_key_reused": _(
            "この操作はすでに別の内容で受け付けています。画面を開き直してください。"
        ),
        "busy": _("混み合っています。少し待ってから、もう一度お試しください。"),
        "format": _("このQRコードは読み取れませんでした。お店のQRコードを読み取ってください。"),
        "crc": _(
            "QRコードが正しく読み取れませんでした（検査値が合いません）。もう一度読み取ってください。"
        ),
        "other_system": _("このQRコードは、この地域通貨のものではありません。"),
        "code_unknown": _("そのコードは見つかりませんでした。"),
        "code_used": _(
            "このコードはすでに使われています。新しいコードを表示してもらってください。"
        ),
        "code_expired": _(
            "このコードは有効期限が切れています。新しいコードを表示してもらってください。"
        ),
        "payment_unknown": _("その支払いは見つかりませんでした。"),
        "merchant_insufficient": _(
            "お店の売上残高が足りないため、返金できません（精算済みの売上からは返金できません）。"
        ),
        "payout_period": _("期間の日付を正しく入力してください（最初の日は最後の日より前）。"),
        "payout_future": _(
            "振り込めるのは、終わった日までの売上です。最後の日は昨日以前にしてください。"
        ),
        "payout_nothing": _("この期間に振り込む売上はありません（振込済みか、売上がありません）。"),
        "payout_suspended": _(
            "審査中または停止中のお店には振り込めません。お店を承認してから実行してください。"
        ),
        "payout_no_bank": _("このお店は振込先の口座が登録されていません。"),
        "payout_unknown": _("その振込は見つかりませんでした。"),
        "payout_settled": _("この振込の結果はすでに記録されています。"),
        "payout_outcome": _("振込の結果を選んでください。"),
        "payout_return_reason": _("振込不能の理由を選んでください。"),
        "bank_code": _("銀行コードは4桁、支店コードは3桁の数字で入力してください。"),
        "bank_account_number": _("預金種目を選び、口座番号を7桁までの数字で入力してください。"),
        "bank_holder": _("口座名義をカタカナで入力してください（30文字まで）。"),
        "refund_too_large": _("返金できるのは、支払われた金額（返金済みを除く）までです。"),
        "top_up_unknown": _("そのチャージは見つかりませんでした。"),
        "top_up_closed": _("このチャージはすでに終わっています。"),
        "merchant_name": _("お店の名前を入力してください（100文字まで）。"),
        "merchant_category": _("業種を選んでください。"),
        "expiry_past": _("有効期限は明日以降の日付にしてください。"),
        "campaign_name": _("キャンペーン名を入力してください。"),
        "campaign_unknown": _("そのキャンペーンは見つかりませんでした。"),
        "campaign_issued": _("このキャンペーンはすでに配布しました。"),
        "day": _("日付を正しく入力してください。"),
        "passkey_needed": _("この金額の支払いは、パスキーで本人確認してから行います。"),
        "passkey_failed": _("パスキーで確認できませんでした。もう一度お試しください。"),
        "invite": _(
            "招待コードが正しくないか、有効期限が切れています。お店の方に新しいコードをもらってください。"
        ),
        "description": _("支払いの内容（200文字まで）が必要です。"),
        "request_unknown": _("そのお支払いのお願いは見つかりませんでした。"),
        "request_closed": _("このお支払いのお願いは取りやめられています。"),
    }.get(reason, _("操作できませんでした。"))


def category_names() -> dict[str, str]:
    return {
        "food": _("飲食"),
        "retail": _("小売"),
        "service": _("サービス"),
        "health": _("医療・健康"),
        "transport": _("交通"),
        "city": _("市の施設"),
    }


def kind_names() -> dict[str, str]:
    return {
        "topup": _("チャージ"),
        "payment": _("支払い"),
        "refund": _("返金"),
        "grant": _("ポイント付与"),
        "expiry": _("ポイント失効"),
        "reversal": _("取り消し"),
        "payout": _("売上の振込"),
        "payout_paid": _("振込完了"),
        "payout_returned": _("振込不能で戻った売上"),
    }


def return_reason_names() -> dict[str, str]:
    """Why the bank returned a transfer (振込不能), keyed as payouts.RETURN_REASONS."""
    return {
        "no_account": _("口座がありません（口座番号の誤り）"),
        "name_mismatch": _("口座名義が違います"),
        "closed": _("口座が解約されています"),
        "other": _("その他（銀行からの連絡による）"),
    }


def payout_status_names() -> dict[str, str]:
    return {
        "in_transit": _("振込手続き中"),
        "paid": _("振込済み"),
        "returned": _("振込できませんでした"),
    }

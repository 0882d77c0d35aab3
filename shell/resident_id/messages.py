"""Messages for refusals, translated where they are shown."""

from shell.web.i18n import _


def refusal(reason: str) -> str:
    messages = {
        "document_type": _("確認した書類の種類を一覧から選んでください。"),
        "checked_on": _("確認した日は、今日から1週間前までの日付にしてください。"),
        "photo_size": _("写真が大きすぎます。300KB以下の写真にしてください。"),
        "photo_type": _("写真はJPEGかPNGの画像にしてください。"),
        "request": _(
            "この本人確認の依頼は使用済みか、有効期限が切れています。"
            "住民の方に新しいQRコードを表示してもらってください。"
        ),
        "not_verified": _("本人確認がまだ済んでいません。窓口で本人確認をしてください。"),
        "device_key": _("この端末の鍵を読み取れませんでした。ページを再読み込みしてください。"),
        "reason": _("失効の理由を一覧から選んでください。"),
        "not_found": _("その住民アカウントは見つかりませんでした。"),
        "confirm": _("確認のチェックを入れてください。"),
        "status_list_full": _("いまは発行できません。時間をおいてお試しください。"),
        "mismatch": _(
            "本人確認アプリの氏名・生年月日が、登録内容と一致しませんでした。"
            "窓口で本人確認をしてください。"
        ),
        "provider": _("本人確認サービスからの応答を確認できませんでした。もう一度お試しください。"),
    }
    return messages.get(
        reason, _("送られた内容を読み取れませんでした。ページを再読み込みしてください。")
    )

"""User-facing messages for refusals, translated where they are shown."""

from shell.web.i18n import _


def refusal(reason: str) -> str:
    messages = {
        "expired": _("時間が経ったため、手続きを完了できませんでした。もう一度お試しください。"),
        "invalid": _("パスキーを確認できませんでした。もう一度お試しください。"),
        "unknown_passkey": _(
            "このパスキーは登録されていません。アカウントを作るか、"
            "パスキーをなくした場合は窓口で復旧コードを受け取ってください。"
        ),
        "passkey_exists": _("このパスキーはすでに登録されています。"),
        "last_passkey": _("最後のパスキーは削除できません。先に別のパスキーを追加してください。"),
        "not_found": _("お探しのものが見つかりませんでした。"),
        "code_used": _(
            "復旧コードが正しくないか、使用済みか、有効期限が切れています。窓口にお問い合わせください。"
        ),
        "bad_request": _("送られた内容を読み取れませんでした。ページを再読み込みしてください。"),
    }
    return messages.get(reason, messages["bad_request"])

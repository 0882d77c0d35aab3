"""Scopes a mini-app may ask for, as residents read them on the consent sheet."""

from shell.web.i18n import lazy

SCOPES: dict[str, str] = {
    "profile.name": lazy("お名前"),
    "profile.district": lazy("お住まいの地区"),
    "profile.age_band": lazy("年代（例：60代）"),
    "resident.verified": lazy("本人確認が済んでいるかどうか"),
    "resident.household": lazy(
        "同じ世帯の方かどうかを見分ける、このアプリ専用の番号（住所や家族の名前は渡しません）"
    ),
    "notify": lazy("お知らせを送ること"),
    "wallet.pay": lazy("支払いをお願いすること（支払うかどうかは毎回あなたが決めます）"),
    "location": lazy("現在地"),
    "storage": lazy("このアプリの設定や記録を保存すること"),
}

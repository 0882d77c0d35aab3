"""Words that come from the city's data but are shown in the resident's language: the categories
of Saga City's 5374 data. Listed here so they are extracted into the app's catalog; a city whose
data names other categories adds them here and translates them."""

from machi_sdk.i18n import N_

CATEGORY_LABELS = [
    N_("燃えるごみ"),
    N_("燃えないごみ"),
    N_("資源物（紙・布類、ビン・缶）"),
    N_("ペットボトル"),
]

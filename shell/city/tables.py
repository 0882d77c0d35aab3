"""The municipality's districts (地区), which residents pick and staff target."""

from piccolo.columns import Integer, Varchar
from piccolo.table import Table


class District(Table, tablename="city_district"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=100)
    name_kana = Varchar(length=200)
    position = Integer(default=0)

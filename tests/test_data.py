"""Data tables: the loader's rules, and every shipped table obeys them."""

import pytest

from helpers.data import DataTableError, load_table, parse_table, table_names

GOOD = """# key: name
name,value,source,as_of,confidence
a,1.5,Somebody 2020,2020-01-02,high
b,2,Somebody 2021,2021,low
"""


def test_parse_good_table_types_values():
    t = parse_table(GOOD, "good.csv")
    assert t.key == ("name",)
    assert t.get("a").value == 1.5 and isinstance(t.get("b").value, float)
    assert t.column("name") == ["a", "b"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name,value,as_of\na,1,2020\n", "required column 'source'"),
        ("name,value,source\na,1,x\n", "required column 'as_of'"),
        ("name,value,source,as_of\na,1,,2020\n", "line 2, column 'source': blank"),
        ("name,value,source,as_of\na,1,x,2020\na,2,y,2021\n", "line 3, column(s) name: duplicate key"),
        ("name,value,source,as_of\na,1,x,last year\n", "column 'as_of'"),
        ("name,value,source,as_of,confidence\na,1,x,2020,sure\n", "column 'confidence'"),
        ("name,value,source,as_of\na,1,x\n", "line 2: 3 cells"),
        ("# key: missing\nname,source,as_of\na,x,2020\n", "key column"),
        ("name,source,as_of\n", "no rows"),
    ],
)
def test_loader_rejects_with_file_row_and_column(text, expected):
    with pytest.raises(DataTableError) as err:
        parse_table(text, "bad.csv")
    assert "bad.csv" in str(err.value)
    assert expected in str(err.value)


def test_blank_key_cell_is_rejected():
    with pytest.raises(DataTableError, match="column 'name': blank"):
        parse_table("name,source,as_of\n,x,2020\n", "bad.csv")


@pytest.mark.parametrize("name", table_names())
def test_every_shipped_table_loads_with_sources(name):
    table = load_table(name)
    assert len(table) > 0
    assert all(row.source and row.as_of for row in table)


def test_unknown_table_names_the_known_ones():
    with pytest.raises(FileNotFoundError, match="known tables"):
        load_table("no_such_table")

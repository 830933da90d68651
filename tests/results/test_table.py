import pytest

from cselab.errors import CselabError
from cselab.io.torn_lines import TornLineWarning
from cselab.results.table import concat_tables, make_table, read_table, write_table


def test_roundtrip_with_subset_of_columns(tmp_path):
    table = make_table(
        [{"model": "m", "corpus": "c", "layer": 3, "metric": "anisotropy", "value": 0.25}]
    )
    path = write_table(
        table, tmp_path / "metrics.csv", columns=["model", "corpus", "layer", "metric", "value"]
    )
    assert path.read_text().splitlines()[0] == "model,corpus,layer,metric,value"
    back = read_table(path)
    assert back.loc[0, "value"] == 0.25 and back.loc[0, "step"] == -1 and back.loc[0, "run"] == ""


def test_concat_mixes_producers():
    a = make_table([{"model": "m", "layer": 1, "metric": "x", "value": 1.0}])
    b = make_table([{"run": "r", "step": 200, "metric": "loss", "value": 2.0}])
    both = concat_tables([a, b])
    assert list(both["step"]) == [-1, 200] and list(both["layer"]) == [1, -1]


def test_missing_file_and_bad_columns(tmp_path):
    with pytest.raises(CselabError, match="does not exist"):
        read_table(tmp_path / "none.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(CselabError, match="lacks column"):
        read_table(bad)


def test_a_cut_short_last_row_is_left_out_not_misread(tmp_path):
    rows = [{"metric": "loss", "step": s, "value": 1.0 / (s + 6)} for s in range(3)]
    path = write_table(make_table(rows), tmp_path / "m.csv")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("0.125") + 3], encoding="utf-8")  # 0.125 cut to 0.1
    with pytest.warns(TornLineWarning, match=r"m.csv' line 4 is cut short"):
        table = read_table(path)
    assert table["value"].tolist() == [1 / 6, 1 / 7]

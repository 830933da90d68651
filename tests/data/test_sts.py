"""STS loaders on small files written here, including malformed ones."""

from __future__ import annotations

import json

import pytest

from cselab.data.pairs import ScoredPair
from cselab.data.sts import (
    load_sts,
    read_senteval_sts,
    read_sick,
    read_stsbenchmark,
)
from cselab.errors import CselabError

STSB_ROWS = [
    "main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane is taking off.\tAn air plane is taking off.",
    "main-news\theadlines\t2013\t0002\t1.250\tOne.\tTwo.\tsource-a\tsource-b",
]
SICK_HEADER = "pair_ID\tsentence_A\tsentence_B\tentailment_label\trelatedness_score\tSemEval_set"
SICK_ROWS = [
    "1\tA dog runs.\tA dog is running.\tENTAILMENT\t4.5\tTRAIN",
    "2\tA cat sleeps.\tA man sings.\tNEUTRAL\t1.2\tTEST",
    "3\tKids play.\tChildren are playing.\tENTAILMENT\t4.9\tTEST",
]


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_stsbenchmark_reads_rows_with_extra_columns(tmp_path):
    pairs = read_stsbenchmark(_write(tmp_path / "sts-dev.csv", STSB_ROWS))
    assert pairs == [
        ScoredPair("A plane is taking off.", "An air plane is taking off.", 5.0),
        ScoredPair("One.", "Two.", 1.25),
    ]


def test_stsbenchmark_real_test_split(stsb_dir):
    pairs = read_stsbenchmark(stsb_dir / "sts-test.csv")
    assert len(pairs) == 1379
    assert all(0 <= p.score <= 5 for p in pairs)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("a\tb\tc\td\t2.0\tonly one sentence", r"bad\.csv:2: expected at least 7"),
        ("a\tb\tc\td\thigh\ts1\ts2", r"bad\.csv:2: score 'high' is not a number"),
        ("a\tb\tc\td\t7.5\ts1\ts2", r"bad\.csv:2: score 7\.5 is outside the declared range"),
        ("a\tb\tc\td\tnan\ts1\ts2", r"bad\.csv:2: score 'nan' is not finite"),
    ],
)
def test_stsbenchmark_malformed_rows_name_file_and_line(tmp_path, row, message):
    with pytest.raises(CselabError, match=message):
        read_stsbenchmark(_write(tmp_path / "bad.csv", [STSB_ROWS[0], row]))


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(CselabError, match="does not exist"):
        read_stsbenchmark(tmp_path / "nope.csv")
    with pytest.raises(CselabError, match="holds no pairs"):
        read_stsbenchmark(_write(tmp_path / "empty.csv", [""]))


def test_sick_splits_and_header(tmp_path):
    path = _write(tmp_path / "SICK.txt", [SICK_HEADER, *SICK_ROWS])
    assert [p.score for p in read_sick(path)] == [1.2, 4.9]
    assert [p.score for p in read_sick(path, "train")] == [4.5]
    assert len(read_sick(path, "all")) == 3
    with pytest.raises(CselabError, match="SICK split 'dev'"):
        read_sick(path, "dev")


def test_sick_test_annotated_has_no_set_column(tmp_path):
    header = "pair_ID\tsentence_A\tsentence_B\trelatedness_score\tentailment_judgment"
    path = _write(tmp_path / "SICK_test_annotated.txt", [header, "7\tA b.\tC d.\t3.3\tNEUTRAL"])
    assert read_sick(path) == [ScoredPair("A b.", "C d.", 3.3)]


def test_sick_malformed(tmp_path):
    bad_header = _write(tmp_path / "SICK.txt", ["pair_ID\tsentence_A\tscore", "1\ta\t2"])
    with pytest.raises(CselabError, match=r"SICK\.txt:1: SICK header lacks.*sentence_B"):
        read_sick(bad_header)
    short = _write(tmp_path / "SICK2.txt", [SICK_HEADER, "1\tA dog.\t4.5"])
    with pytest.raises(CselabError, match=r"SICK2\.txt:2: expected 6 tab-separated columns"):
        read_sick(short, "all")
    low = _write(tmp_path / "SICK3.txt", [SICK_HEADER, "1\ta\tb\tNEUTRAL\t0.5\tTEST"])
    with pytest.raises(CselabError, match=r"SICK3\.txt:2: score 0\.5 is outside"):
        read_sick(low)


def _senteval(folder, subset, inputs, golds):
    folder.mkdir(exist_ok=True)
    _write(folder / f"STS.input.{subset}.txt", inputs)
    _write(folder / f"STS.gs.{subset}.txt", golds)
    return folder


def test_senteval_skips_empty_gold_lines(tmp_path):
    folder = _senteval(
        tmp_path / "STS12-en-test", "MSRpar", ["a\tb", "c\td", "e\tf"], ["4", "", "0.5"]
    )
    _senteval(folder, "OnWN", ["g\th"], ["2.5"])
    subsets = read_senteval_sts(folder)
    assert list(subsets) == ["MSRpar", "OnWN"]
    assert subsets["MSRpar"] == [ScoredPair("a", "b", 4.0), ScoredPair("e", "f", 0.5)]
    dataset = load_sts(str(folder))
    assert dataset.name == "STS12-en-test" and len(dataset.pairs) == 3
    assert "concatenated" in dataset.protocol


def test_senteval_malformed(tmp_path):
    folder = _senteval(tmp_path / "a", "x", ["a\tb", "c\td"], ["4"])
    with pytest.raises(CselabError, match="has 2 lines but .*STS.gs.x.txt has 1"):
        read_senteval_sts(folder)
    folder = _senteval(tmp_path / "b", "x", ["a\tb", "only-one"], ["4", "3"])
    with pytest.raises(CselabError, match=r"STS\.input\.x\.txt:2: expected 2 tab-separated"):
        read_senteval_sts(folder)
    folder = _senteval(tmp_path / "c", "x", ["a\tb"], ["9"])
    with pytest.raises(CselabError, match=r"STS\.gs\.x\.txt:1: score 9\.0 is outside"):
        read_senteval_sts(folder)
    with pytest.raises(CselabError, match="no STS.input"):
        read_senteval_sts(tmp_path)


def test_generic_csv_tsv_jsonl_with_named_columns(tmp_path):
    _write(tmp_path / "p.csv", ["left,right,gold", '"Hi, there",Hello,0.9', "x,y,0.1"])
    pairs = load_sts(f"csv:{tmp_path / 'p.csv'}?sentence1=left&sentence2=right&score=gold").pairs
    assert pairs == [ScoredPair("Hi, there", "Hello", 0.9), ScoredPair("x", "y", 0.1)]
    _write(tmp_path / "p.tsv", ["sentence1\tsentence2\tscore", "a\tb\t3"])
    assert load_sts(str(tmp_path / "p.tsv")).pairs == [ScoredPair("a", "b", 3.0)]
    rows = [
        {"sentence1": "a", "sentence2": "b", "score": 1},
        {"sentence1": "c", "sentence2": "d", "score": 2},
    ]
    _write(tmp_path / "p.jsonl", [json.dumps(r) for r in rows])
    dataset = load_sts(f"{tmp_path / 'p.jsonl'}?name=mine&range=0,5")
    assert dataset.name == "mine" and [p.score for p in dataset.pairs] == [1.0, 2.0]


def test_generic_malformed(tmp_path):
    _write(tmp_path / "bad.jsonl", ['{"sentence1": "a", "sentence2": "b", "score": 1}', "{oops"])
    with pytest.raises(CselabError, match=r"bad\.jsonl:2: not valid JSON"):
        load_sts(str(tmp_path / "bad.jsonl"))
    _write(tmp_path / "cols.csv", ["s1,s2,score", "a,b,1"])
    with pytest.raises(CselabError, match=r"cols\.csv:2: missing column\(s\) \['sentence1'"):
        load_sts(str(tmp_path / "cols.csv"))
    _write(tmp_path / "short.csv", ["sentence1,sentence2,score", "a,b,1", "c,2"])
    with pytest.raises(CselabError, match=r"short\.csv:3: expected 3 columns"):
        load_sts(str(tmp_path / "short.csv"))
    _write(tmp_path / "range.csv", ["sentence1,sentence2,score", "a,b,1", "c,d,6"])
    with pytest.raises(
        CselabError, match=r"range\.csv:3: score 6\.0 is outside the declared range"
    ):
        load_sts(f"{tmp_path / 'range.csv'}?range=0,5")
    with pytest.raises(CselabError, match="range='5,0'"):
        load_sts(f"{tmp_path / 'range.csv'}?range=5,0")


def test_load_sts_dispatch_and_errors(tmp_path, stsb_dir):
    dataset = load_sts(f"stsb:{stsb_dir}?split=dev")
    assert dataset.name == "stsb-dev" and len(dataset.pairs) == 1500
    with pytest.raises(CselabError, match="does not exist"):
        load_sts(str(tmp_path / "missing.csv"))
    (tmp_path / "x.parquet").write_text("")
    with pytest.raises(CselabError, match="cannot tell the format"):
        load_sts(str(tmp_path / "x.parquet"))


def test_hf_dataset_from_local_folder_and_unreachable_hub(tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_dict({"a": ["x", "y"], "b": ["z", "w"], "label": [0.2, 0.8]})
    datasets.DatasetDict({"test": data}).save_to_disk(str(tmp_path / "ds"))
    dataset = load_sts(f"hf:{tmp_path / 'ds'}?sentence1=a&sentence2=b&score=label")
    assert dataset.pairs == [ScoredPair("x", "z", 0.2), ScoredPair("y", "w", 0.8)]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(CselabError, match="could not load Hugging Face dataset 'no-such/ds'"):
        load_sts("hf:no-such/ds")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("csv:PAIRS?splt=dev", r"unknown option\(s\) \['splt'\] for kind 'csv'; it reads "
         r"\['name', 'sentence1', 'sentence2', 'score', 'range'\]"),
        ("PAIRS?sentence1=a&sentence1=b", r"option\(s\) \['sentence1'\] given more than once"),
        ("stsb:STSB?splt=dev", r"unknown option\(s\) \['splt'\] for kind 'stsb'"),
        ("stsb:STSB?split=val", r"split 'val' is not one of \('train', 'dev', 'test'\)"),
        ("STSB/sts-test.csv?split=dev", r"split= picks a file in an STS Benchmark folder"),
        ("senteval:STSB?split=test", r"unknown option\(s\) \['split'\] for kind 'senteval'"),
        ("hf:some/ds?splt=dev", r"unknown option\(s\) \['splt'\] for kind 'hf'"),
        ("sbts:STSB", r"unknown kind 'sbts'; kinds: stsb, sick, senteval"),
    ],
)  # fmt: skip
def test_spec_options_a_kind_does_not_read_are_errors(tmp_path, stsb_dir, spec, message):
    pairs = _write(tmp_path / "p.csv", ["sentence1,sentence2,score", "a,b,1", "c,d,2"])
    spec = spec.replace("PAIRS", str(pairs)).replace("STSB", str(stsb_dir))
    with pytest.raises(CselabError, match=message):
        load_sts(spec)


@pytest.mark.parametrize(
    ("kind", "lines", "message"),
    [
        ("stsb", [STSB_ROWS[0], "a\tb\tc\td\t2.0\t \tsomething"], r"x:2: sentence 1 is empty"),
        ("sick", [SICK_HEADER, "1\tA dog.\t\tNEUTRAL\t4.5\tTEST"], r"x:2: sentence 2 is empty"),
        ("csv", ["sentence1,sentence2,score", "a,  ,1"], r"x:2: column 'sentence2' is empty"),
    ],
)
def test_an_empty_sentence_in_an_sts_row_is_named(tmp_path, kind, lines, message):
    path = _write(tmp_path / "x", lines)
    with pytest.raises(CselabError, match=message):
        load_sts(f"{kind}:{path}")


def test_an_empty_sentence_in_senteval_input_is_named(tmp_path):
    folder = _senteval(tmp_path / "s", "x", ["a\tb", "\td"], ["4", "3"])
    with pytest.raises(CselabError, match=r"STS\.input\.x\.txt:2: sentence 1 is empty"):
        read_senteval_sts(folder)


def test_a_quote_left_open_in_an_sts_table_is_named(tmp_path):
    path = _write(tmp_path / "q.csv", ["sentence1,sentence2,score", '"a,b,1', "c,d,2"])
    with pytest.raises(CselabError, match=r"q\.csv:2: broken quoting"):
        load_sts(str(path))


def test_sts_data_in_every_form_a_caller_gives(stsb_dir) -> None:
    from cselab.data.sts import as_scored_pairs

    spec = f"stsb:{stsb_dir}?split=dev"
    pairs, name = as_scored_pairs(spec)
    assert (len(pairs), name) == (1500, load_sts(spec).name)
    assert as_scored_pairs(load_sts(spec), name="dev") == (pairs, "dev")
    tuples = [("A cat.", "A dog.", 1), ScoredPair("x", "y", 2.5)]
    assert as_scored_pairs(tuples) == ([ScoredPair("A cat.", "A dog.", 1.0), tuples[1]], "pairs")
    bad = [
        ([("only two", "items")], r"pairs item 0: expected \(sentence1, sentence2, score\)"),
        ([("a", "b", "high")], "pairs item 0: score 'high' is not a number"),
        ([("a", "b", float("nan"))], "pairs item 0: score nan is not finite"),
        ([("a", " ", 1.0)], "pairs item 0: sentence 2 is empty"),
        ([("a", 3, 1.0)], "pairs item 0: sentences must be text"),
    ]
    for items, message in bad:
        with pytest.raises(CselabError, match=message):
            as_scored_pairs(items)


def test_sts_pairs_as_a_dataframe_or_a_path(stsb_dir) -> None:
    import pandas as pd

    from cselab.data.sts import as_scored_pairs

    frame = pd.DataFrame(
        {"score": [1, 2.5], "sentence1": ["A cat.", "x"], "sentence2": ["A dog.", "y"]}
    )
    pairs, _ = as_scored_pairs(frame)
    assert pairs == [ScoredPair("A cat.", "A dog.", 1.0), ScoredPair("x", "y", 2.5)]
    with pytest.raises(CselabError, match=r"pairs: a DataFrame without column\(s\) \['score'\]"):
        as_scored_pairs(frame.rename(columns={"score": "gold"}))
    with pytest.raises(CselabError, match="pairs of type int: give an STS spec"):
        as_scored_pairs(3)
    assert len(as_scored_pairs(stsb_dir / "sts-dev.csv")[0]) == 1500

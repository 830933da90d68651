"""Corpus readers: every format, the STS-B options, and every bad input's message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cselab.data.corpora import detect_format, load_corpus, read_stsb_sentences
from cselab.data.sts import read_stsbenchmark
from cselab.errors import CselabError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_text_one_sentence_per_line(tmp_path: Path) -> None:
    corpus = load_corpus(write(tmp_path / "c.txt", "A cat sat.\n  A dog ran.  \n\n"))
    assert corpus.sentences == ["A cat sat.", "A dog ran."]
    assert corpus.name == "c"


def test_text_blank_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "one\n\nthree\n")
    with pytest.raises(CselabError, match=r"c\.txt:2: empty line"):
        load_corpus(path)


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match="holds no sentences"):
        load_corpus(write(tmp_path / "empty.txt", ""))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match=r"nope\.txt.*does not exist"):
        load_corpus(tmp_path / "nope.txt")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(CselabError, match=r"bad\.txt.*not UTF-8"):
        load_corpus(path)


def test_csv_and_tsv_columns(tmp_path: Path) -> None:
    csv_path = write(tmp_path / "c.csv", 'id,text\n1,"Hello, world."\n2,Bye.\n')
    assert load_corpus(csv_path, column="text").sentences == ["Hello, world.", "Bye."]
    tsv_path = write(tmp_path / "c.tsv", "text\tid\nFirst one.\t1\nSecond.\t2\n")
    assert load_corpus(tsv_path, column="text").sentences == ["First one.", "Second."]


def test_csv_missing_column_lists_header(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", "id,text\n1,Hi.\n")
    with pytest.raises(CselabError, match=r"c\.csv:1: no column 'sentence'.*\['id', 'text'\]"):
        load_corpus(path, column="sentence")
    with pytest.raises(CselabError, match=r"c\.csv: give the sentence column"):
        load_corpus(path)


def test_csv_short_row_and_empty_cell(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match=r"c\.csv:3: row has 1 fields"):
        load_corpus(write(tmp_path / "c.csv", "id,text\n1,Hi.\n2\n"), column="text")
    with pytest.raises(CselabError, match=r"d\.csv:2: column 'text' is empty"):
        load_corpus(write(tmp_path / "d.csv", "id,text\n1,\n"), column="text")


def test_jsonl(tmp_path: Path) -> None:
    lines = [json.dumps({"s": "One."}), json.dumps({"s": "Two.", "x": 1})]
    path = write(tmp_path / "c.jsonl", "\n".join(lines) + "\n")
    assert load_corpus(path, column="s").sentences == ["One.", "Two."]


def test_jsonl_malformed_and_missing_key(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.jsonl", '{"s": "ok"}\n{"s": broken\n')
    with pytest.raises(CselabError, match=r"bad\.jsonl:2: not valid JSON"):
        load_corpus(bad, column="s")
    missing = write(tmp_path / "m.jsonl", '{"s": "ok"}\n{"t": "no"}\n')
    with pytest.raises(CselabError, match=r"m\.jsonl:2: no key 's'"):
        load_corpus(missing, column="s")
    number = write(tmp_path / "n.jsonl", '{"s": 3}\n')
    with pytest.raises(CselabError, match=r"n\.jsonl:1: key 's' is not a non-empty string"):
        load_corpus(number, column="s")


def test_stsb_sentence_options_and_dedupe(stsb_dir: Path) -> None:
    path = stsb_dir / "sts-test.csv"
    pairs = read_stsbenchmark(path)
    first = load_corpus(path)
    assert detect_format(path) == "stsb"
    assert first.sentences == [p.sentence1 for p in pairs]
    assert first.name == "sts-test:s1"
    both = read_stsb_sentences(path, "both")
    assert both[:2] == [pairs[0].sentence1, pairs[0].sentence2]
    assert len(both) == 2 * len(pairs)
    unique = load_corpus(path, dedupe=True).sentences
    assert unique == list(dict.fromkeys(first.sentences))
    assert len(unique) < len(first.sentences)  # STS-B test repeats some sentence-1 texts


def test_stsb_bad_option(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match="sts_sentences='3'"):
        read_stsb_sentences(tmp_path / "sts-test.csv", "3")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(CselabError, match="corpus format 'xml'"):
        load_corpus(tmp_path / "c.xml", fmt="xml")


def test_hf_dataset_unreachable_names_dataset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(CselabError, match="dataset 'no-such/dataset-xyz'.*could not be loaded"):
        load_corpus("hf:no-such/dataset-xyz", column="sentence1")


def test_open_corpus_reads_lazily_and_again_on_every_pass(tmp_path: Path) -> None:
    from cselab.data.corpora import open_corpus

    path = write(tmp_path / "c.txt", "one\ntwo\none\n")
    corpus = open_corpus(path, dedupe=True)
    assert not isinstance(corpus.sentences, list)
    assert list(corpus.sentences) == ["one", "two"]
    write(path, "three\n\nfour\n")  # read again on the next pass, errors found while reading
    reader = iter(corpus.sentences)
    assert next(reader) == "three"
    with pytest.raises(CselabError, match=r"c\.txt:2: empty line"):
        next(reader)
    jsonl = write(tmp_path / "c.jsonl", '{"t": "a b"}\n\n{"t": "c"}\n')
    assert list(open_corpus(jsonl, column="t").sentences) == ["a b", "c"]
    with pytest.raises(CselabError, match="holds no sentences"):
        list(open_corpus(write(tmp_path / "e.txt", "\n")).sentences)
    with pytest.raises(CselabError, match=r"nope\.txt.*does not exist"):
        open_corpus(tmp_path / "nope.txt")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id,text\n1,"first sentence\n2,second\n3,third\n', r"c\.csv:2: broken quoting"),
        ('id,text\n1,"first\n2,second" x\n3,third\n', r"c\.csv:2: broken quoting"),
        ('id,text\n1,"first\n2,second"\n3,third\n', r"c\.csv:2: a quoted field runs from "
         r"line 2 to line 3"),
    ],
)  # fmt: skip
def test_a_quote_left_open_never_merges_rows(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CselabError, match=message):
        load_corpus(write(tmp_path / "c.csv", text), column="text")


def test_quoted_delimiters_and_doubled_quotes_still_read(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", 'id,text\n1,"Yes, ""quoted"" here."\n\n2,Plain.\n')
    assert load_corpus(path, column="text").sentences == ['Yes, "quoted" here.', "Plain."]


def test_options_a_format_does_not_read_are_errors(tmp_path: Path) -> None:
    text = write(tmp_path / "c.txt", "one.\ntwo.\n")
    with pytest.raises(CselabError, match=r"read as text \(one sentence per line\): it has no "
                       r"column 'sentence'"):  # fmt: skip
        load_corpus(text, column="sentence")
    with pytest.raises(CselabError, match=r"sts_sentences='3'; choose one of \['1', '2', 'both'\]"):
        load_corpus(text, sts_sentences="3")


def test_what_a_caller_gives_as_a_corpus(tmp_path: Path) -> None:
    from cselab.data.corpora import Corpus, open_corpus, sentences_and_name

    listed = ["one sentence.", "another one."]
    assert sentences_and_name(listed) == (listed, "corpus")
    path = tmp_path / "mine.txt"
    path.write_text("\n".join(listed) + "\n", encoding="utf-8")
    for given in (path, str(path), open_corpus(path)):
        sentences, name = sentences_and_name(given)
        assert list(sentences) == listed and name == "mine"
    default, name = sentences_and_name(None)
    assert name == "default" and len(list(default)) == 416
    assert sentences_and_name(Corpus("named", listed)) == (listed, "named")
    with pytest.raises(CselabError, match="'one sentence.': one string that names no corpus"):
        sentences_and_name("one sentence.")
    for typo in ("mine.tx", str(tmp_path / "nowhere" / "mine.txt")):  # a path, not a sentence
        with pytest.raises(CselabError, match=f"corpus file '{typo}' does not exist"):
            sentences_and_name(typo)

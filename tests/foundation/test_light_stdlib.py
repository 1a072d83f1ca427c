"""The stand-ins that keep pathlib, re, json and functools off the start-up path give what
those modules give: paths spelt as pathlib spells them, JSON read and written as json
does, results remembered as lru_cache remembers them, names checked as the patterns did."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.consent import record as consent_record
from doorstep.events import redact, schema
from doorstep.foundation import distributions, ids, jsonread, pathtext
from doorstep.foundation import product as product_module
from doorstep.foundation.memo import Memo

PATHS = st.lists(st.sampled_from(["", "/", "//", ".", "..", "a", "b c", "~x", "é"])).map("".join)
NAMES = st.sampled_from(["telemetry.toml", "x", ".hidden", "..", "~", "a b"])


@settings(max_examples=500, deadline=None)
@given(PATHS)
def test_path_text_is_pathlibs_spelling(text: str) -> None:
    assert pathtext.text(text) == str(Path(text))
    assert pathtext.text(Path(text)) == str(Path(text))
    assert pathtext.parent(pathtext.text(text)) == str(PurePosixPath(text).parent)


@settings(max_examples=500, deadline=None)
@given(PATHS, st.lists(NAMES, min_size=1, max_size=3))
def test_joined_text_is_pathlibs_join(folder: str, names: list[str]) -> None:
    assert pathtext.join(pathtext.text(folder), *names) == str(Path(folder).joinpath(*names))
    assert pathtext.path(pathtext.text(folder)) == Path(folder)


def test_exists_and_is_file_answer_as_pathlib(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    names = ["file", "folder", "loop", "dangling", "nowhere", "file/below", "a\0b"]
    for name in names:
        text = str(tmp_path / name)
        assert pathtext.exists(text) is Path(text).exists(), name
        assert pathtext.is_file(text) is Path(text).is_file(), name


def test_mkdir_and_is_dir_do_what_pathlib_does(tmp_path: Path) -> None:
    deep = tmp_path / "a" / "b" / "c"
    pathtext.mkdir(str(deep), 0o700)
    assert deep.is_dir() and (deep.stat().st_mode & 0o777) == 0o700
    pathtext.mkdir(str(deep), 0o700)  # there already: nothing happens
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for target in (tmp_path / "file", tmp_path / "file" / "below"):
        with pytest.raises(OSError) as ours:
            pathtext.mkdir(str(target), 0o700)
        with pytest.raises(OSError) as theirs:
            target.mkdir(mode=0o700, parents=True, exist_ok=True)
        assert type(ours.value) is type(theirs.value)
    for name in ("a", "file", "nowhere", "file/below"):
        assert pathtext.is_dir(str(tmp_path / name)) is (tmp_path / name).is_dir()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["1", "12", "12345", "0", ".", "a", "b", "rc", ".post", ".dev", "+", "x"])
    )
)
def test_the_version_check_is_its_pattern(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert schema._is_version(text) is (re.fullmatch(schema._VERSION, text) is not None)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from([math.inf, -math.inf]),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_json_is_read_and_written_as_json_does(value: Any) -> None:
    text = jsonread.dumps_compact(value)
    assert text == json.dumps(value, separators=(",", ":"))
    ordered = jsonread.dumps_compact(value, sort_keys=True)
    assert ordered == json.dumps(value, separators=(",", ":"), sort_keys=True)
    assert jsonread.loads(text) == json.loads(text)
    assert jsonread.loads(json.dumps(value, indent=1)) == json.loads(json.dumps(value, indent=1))
    assert jsonread.loads(f" \n{text}\t\r\n".encode()) == json.loads(text)


@pytest.mark.parametrize("text", ["", " ", "{", "[1,]", "1 2", "\ufeff{}", "{} x", "nul"])
def test_what_json_refuses_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        jsonread.loads(text)


def test_what_json_cannot_write_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsonread.dumps_compact({"when": object()})
    assert math.isnan(jsonread.loads("NaN")) and jsonread.dumps_compact(math.nan) == "NaN"


def test_a_memo_is_an_lru_cache_of_one_argument() -> None:
    made: list[int] = []

    def make(key: int) -> int:
        made.append(key)
        if key < 0:
            raise ValueError(key)
        return key * 2

    memo = Memo(2)
    assert [memo.get(k, make) for k in (1, 2, 1, 3, 1, 2)] == [2, 4, 2, 6, 2, 4]
    assert made == [1, 2, 3, 2]  # 2 was the least recently used when 3 came
    for _ in range(2):
        with pytest.raises(ValueError):
            memo.get(-1, make)
    assert made[-2:] == [-1, -1]  # an exception is not remembered


WORDS = st.text(st.sampled_from("aZz09_-.:\nAé"), max_size=102)


@settings(max_examples=500, deadline=None)
@given(WORDS)
def test_the_name_checks_are_the_patterns_they_replace(text: str) -> None:
    shapes = {
        r"^[a-z][a-z0-9-]{0,39}$": (product_module._NAME, True),
        r"^[A-Z][A-Z0-9_]{0,39}$": (product_module._PREFIX, True),
        r"^[a-z][a-z0-9_]{0,39}$": (product_module._COMMAND, True),
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$": (product_module._PACKAGE, True),
        r"[a-z][a-z0-9_.:-]{0,63}": (product_module._USAGE, False),
    }
    for pattern, (shape, anchored) in shapes.items():
        matched = (re.match if anchored else re.fullmatch)(pattern, text) is not None
        assert product_module._fits(text, shape, anchored) is matched, pattern
    assert consent_record._is_salt(text) is (re.match(r"^[0-9a-f]{32}$", text) is not None)
    plain = re.fullmatch(r"[a-z0-9_]{1,14}", text) is not None
    assert (0 < len(text) <= redact._PLAIN_MOST and set(text) <= redact._PLAIN_CHARS) is plain
    normalized = re.sub(r"[-_.]+", "-", text).lower().replace("-", "_")
    assert distributions._normalized(text) == normalized


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.builds(ids.new), st.text(st.sampled_from("0123456789abcdefg-4AB\n"))))
def test_the_id_check_is_its_pattern(text: str) -> None:
    assert ids.is_uuid4(text) is (re.fullmatch(ids.UUID4_PATTERN, text) is not None)
    hashed = schema.Prop("h", "hash", "why", (), None, 64, None)
    is_hash = re.fullmatch("[0-9a-f]{12}", text) is not None
    assert (hashed.clean(text) is not schema.INVALID) is is_hash


def test_a_product_event_name_is_checked_as_before() -> None:
    for name, fits in (("deploy", True), ("a" * 64, True), ("a" * 65, False), ("Deploy", False)):
        extra = {name: {"why": "Because."}}
        if fits:
            assert name in schema.build(schema._built_in(), extra).events
        else:
            with pytest.raises(ValueError, match="lowercase letters"):
                schema.build(schema._built_in(), extra)

"""What keeps start-up cheap keeps behaviour: the products found without importlib.metadata,
the plain value classes, and the modules start-up leaves unloaded."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.foundation import distributions, product


def test_products_are_found_as_importlib_metadata_finds_them() -> None:
    scanned = distributions.entry_points(product.ENTRY_POINTS)
    assert scanned is not None
    assert scanned == {point.name: point.value for point in product._entry_points()}
    assert scanned["doorstep"] == "doorstep"


def test_versions_are_read_as_importlib_metadata_reads_them() -> None:
    names = {dist.metadata["Name"] for dist in metadata.distributions()}
    assert len(names) > 10
    for name in sorted(names):
        assert distributions.version(name) == metadata.version(name), name
    assert distributions.version("no-such-distribution") is None


def test_an_unusual_path_is_left_to_importlib_metadata(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "tools.zip"
    archive.write_bytes(b"")
    monkeypatch.setattr(sys, "path", [str(archive), *sys.path])
    assert distributions.entry_points(product.ENTRY_POINTS) is None
    assert distributions.version("pytest") is None
    assert product.installed() == {p.name: p.value for p in product._entry_points()}


def test_values_stay_immutable_comparable_and_replaceable() -> None:
    own = product.own()
    with pytest.raises(AttributeError):
        own.name = "other"  # type: ignore[misc]
    other = dataclasses.replace(own, name="other")
    assert other.name == "other" and other.display_name == own.display_name
    assert dataclasses.replace(own, origin="elsewhere") == own  # origin is not compared
    assert hash(dataclasses.replace(own, origin="elsewhere")) == hash(own)
    assert other != own
    assert [f.name for f in dataclasses.fields(own)][:2] == ["name", "display_name"]
    assert copy.copy(own) == own and pickle.loads(pickle.dumps(own)) == own
    saved = consent_record.make(True, "cli")
    assert eval(repr(saved), {"ConsentRecord": consent_record.ConsentRecord}) == saved


STARTUP_FREE = ("typing", "dataclasses", "inspect", "tomllib", "importlib.metadata", "shutil")
PROBE = """
import sys
{body}
print({{m for m in sys.modules}} & set({names!r}))
"""


@pytest.mark.parametrize(
    "body",
    [
        "import doorstep",
        "from doorstep import cli; cli.main(['telemetry', 'status'])",
    ],
)
def test_start_up_loads_no_parser_and_no_typing(body: str) -> None:
    code = PROBE.format(body=body, names=STARTUP_FREE)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "set()"


XDG = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS")
CASES = [
    {},
    {"XDG_CONFIG_HOME": "", "XDG_STATE_HOME": "   ", "XDG_CONFIG_DIRS": ""},
    {"XDG_CONFIG_HOME": "/x/config", "XDG_DATA_HOME": "/x/data/", "XDG_CACHE_HOME": "/x/c"},
    {"XDG_STATE_HOME": "/x/state", "XDG_CONFIG_DIRS": "/x/site:/y/site"},
    {"XDG_CONFIG_HOME": "relative/config"},
    {"XDG_CONFIG_DIRS": "relative:/x/site"},
    {"HOME_SUFFIX": "/"},
]


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_the_folders_are_those_platformdirs_finds(
    case: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from doorstep.foundation import paths

    monkeypatch.setenv("HOME", str(tmp_path / "home") + case.get("HOME_SUFFIX", ""))
    for name in XDG:
        monkeypatch.delenv(name, raising=False)
    for name, value in case.items():
        if name in XDG:
            monkeypatch.setenv(name, value)
    fast = paths._plain_xdg("acme")
    if fast is not None:
        assert fast == paths._platformdirs("acme")
    if (
        case.get("XDG_CONFIG_HOME", "/").startswith("/")
        and case.get("XDG_CONFIG_DIRS", "/")[:1] in "/"
    ):
        assert fast is not None  # the usual cases do not import platformdirs

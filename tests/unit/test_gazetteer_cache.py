"""The gazetteer's cache: built once, read back equal; a damaged or foreign cache is never trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.enrich import gazetteer
from pipeline.enrich.gazetteer import Country, Gazetteer


@pytest.fixture()
def builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Gazetteer]:
    """A small gazetteer for each build (the real one takes seconds), in a cache folder of the test's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    built: list[Gazetteer] = []

    def build() -> Gazetteer:
        g = Gazetteer(countries={"KE": Country("KE", "Kenya", "Republic of Kenya", "Eastern Africa", -1.3, 36.8, 1)},
                      country_names={"kenya": "KE"})
        built.append(g)
        return g

    monkeypatch.setattr(gazetteer, "_build", build)
    return built


def test_the_second_load_reads_the_first_build(builds: list[Gazetteer]) -> None:
    first = gazetteer.load.__wrapped__()
    second = gazetteer.load.__wrapped__()
    assert len(builds) == 1 and second == first and second is not first
    path = gazetteer._cache_path()
    assert path is not None and path.exists() and [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_damaged_cache_is_built_again(builds: list[Gazetteer]) -> None:
    gazetteer.load.__wrapped__()
    path = gazetteer._cache_path()
    assert path is not None
    path.write_bytes(path.read_bytes()[:100])  # a write cut short
    assert gazetteer.load.__wrapped__() == builds[0] and len(builds) == 2


def test_a_folder_others_can_write_is_not_used(builds: list[Gazetteer], tmp_path: Path) -> None:
    folder = tmp_path / "cache" / "newswatch"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    assert gazetteer._cache_path() is None
    gazetteer.load.__wrapped__()
    gazetteer.load.__wrapped__()
    assert len(builds) == 2 and list(folder.iterdir()) == []


def test_a_changed_source_is_a_new_key(builds: list[Gazetteer], monkeypatch: pytest.MonkeyPatch) -> None:
    before = gazetteer._cache_path()
    monkeypatch.setattr(gazetteer, "_SOURCES", (*gazetteer._SOURCES, "pytest"))  # as if a package's version changed
    assert gazetteer._cache_path() not in (None, before)

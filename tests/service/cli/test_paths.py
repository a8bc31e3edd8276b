"""Inputs and outputs are settled before any work: stdin/stdout, folders, never the input itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.service.cli.paths import UsageError, expand_sources, plan_targets


def _tree(root: Path) -> Path:
    (root / "in" / "nested").mkdir(parents=True)
    for name in ("a.jpg", "b.png", "nested/c.webp", ".hidden.jpg", "a.c2pa"):
        (root / "in" / name).write_bytes(b"x")
    return root / "in"


def test_folders_are_walked_without_hidden_files_or_sidecars(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    sources = expand_sources([str(folder)])
    assert [str(s.relative) for s in sources] == ["a.jpg", "b.png", "nested/c.webp"]
    targets = plan_targets(sources, str(tmp_path / "out"))
    assert [t.path for t in targets] == [tmp_path / "out" / r for r in ("a.jpg", "b.png", "nested/c.webp")]


def test_stdin_and_stdout(tmp_path: Path) -> None:
    (source,) = expand_sources(["-"])
    assert source.path is None
    assert plan_targets([source], "-")[0].to_stdout
    with pytest.raises(UsageError, match="only input"):
        expand_sources(["-", str(tmp_path)])
    files = [tmp_path / "a", tmp_path / "b"]
    for f in files:
        f.write_bytes(b"x")
    with pytest.raises(UsageError, match="stdout takes only one input"):
        plan_targets(expand_sources([str(f) for f in files]), "-")


@pytest.mark.parametrize("spelling", ["{d}/a.jpg", "{d}/./a.jpg", "{d}/../in/a.jpg", "{d}"])
def test_the_input_is_never_overwritten(tmp_path: Path, spelling: str) -> None:
    folder = _tree(tmp_path)
    sources = expand_sources([str(folder / "a.jpg")]) if spelling != "{d}" else expand_sources([str(folder)])
    with pytest.raises(UsageError, match="would overwrite the input"):
        plan_targets(sources, spelling.format(d=folder))


def test_a_link_to_the_input_counts_as_the_input(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    (tmp_path / "link.jpg").symlink_to(folder / "a.jpg")
    with pytest.raises(UsageError, match="would overwrite"):
        plan_targets(expand_sources([str(folder / "a.jpg")]), str(tmp_path / "link.jpg"))


@pytest.mark.parametrize(
    ("output", "message"),
    [("missing-dir/x.jpg", "does not exist"), ("file.txt/x.jpg", "does not exist")],
)
def test_bad_outputs_are_refused(tmp_path: Path, output: str, message: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "a.jpg").write_bytes(b"x")
    with pytest.raises(UsageError, match=message):
        plan_targets(expand_sources([str(tmp_path / "a.jpg")]), str(tmp_path / output))


def test_several_inputs_need_a_folder_and_distinct_names(tmp_path: Path) -> None:
    folder = _tree(tmp_path)
    (tmp_path / "out.jpg").write_bytes(b"x")
    sources = expand_sources([str(folder / "a.jpg"), str(folder / "b.png")])
    with pytest.raises(UsageError, match="output folder"):
        plan_targets(sources, str(tmp_path / "out.jpg"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "a.jpg").write_bytes(b"y")
    clash = expand_sources([str(folder / "a.jpg"), str(tmp_path / "other" / "a.jpg")])
    with pytest.raises(UsageError, match="two inputs would write"):
        plan_targets(clash, str(tmp_path / "out"))


def test_missing_inputs_fail_first(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        expand_sources([str(tmp_path / "nope.jpg")])

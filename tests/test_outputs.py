"""The CLI's output names and writes: no input, no other file and no earlier result is ever replaced."""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from unmask import io, outputs


def unmask_result(path):
    path.write_bytes(io.encode_png(np.zeros((4, 4, 3), np.uint8)))


def test_a_name_taken_by_an_input_a_file_or_an_earlier_result_gets_a_number(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    sources = [tmp_path / "me.png", tmp_path / "a" / "x.jpg", tmp_path / "b" / "x.jpg", tmp_path / "notes.jpg"]
    for source in sources:
        source.write_bytes(b"photo")
    (tmp_path / "notes_sketch.png").write_bytes(b"the user's own file")
    planned = outputs.plan(sources, tmp_path)
    assert [p.result.name for p in planned] == ["me-1.png", "x.png", "x-1.png", "notes-1.png"]
    assert [p.sketch.name for p in planned] == ["me-1_sketch.png", "x_sketch.png", "x-1_sketch.png", "notes-1_sketch.png"]
    assert [p.renamed for p in planned] == [True, False, True, True]


def test_only_an_earlier_unmask_result_may_be_replaced_and_only_when_asked(tmp_path):
    source = tmp_path / "in" / "me.jpg"
    source.parent.mkdir()
    source.write_bytes(b"photo")
    out = tmp_path / "out"
    out.mkdir()
    unmask_result(out / "me.png")
    assert outputs.plan([source], out)[0].result.name == "me-1.png"
    assert outputs.plan([source], out, replace_results=True)[0].result.name == "me.png"
    Image.new("RGB", (4, 4)).save(out / "me.png")  # now a PNG the user made, not ours
    assert outputs.plan([source], out, replace_results=True)[0].result.name == "me-1.png"
    with pytest.raises(FileExistsError):
        outputs.write_new(out / "me.png", b"new", replace_result=True)
    assert Image.open(out / "me.png").size == (4, 4)


def test_a_write_is_whole_or_absent(tmp_path, monkeypatch):
    target = tmp_path / "r.png"
    outputs.write_new(target, b"complete")
    assert target.read_bytes() == b"complete"
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~outputs._umask()
    with pytest.raises(FileExistsError):
        outputs.write_new(target, b"other")
    assert target.read_bytes() == b"complete"

    def killed(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", killed)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_new(tmp_path / "s.png", b"never seen")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.png"]  # no half file, no temporary left


names = st.lists(st.sampled_from(["me", "Me", "x", "x-1", "x_sketch", "me-1"]), min_size=1, max_size=8)
suffixes = st.sampled_from([".jpg", ".png", ".JPG"])


@settings(max_examples=60, deadline=None)
@given(inputs=st.lists(st.tuples(st.sampled_from(["", "a", "b"]), names.map(lambda n: n[0]), suffixes), min_size=1, max_size=8),
       existing=st.lists(st.tuples(names.map(lambda n: n[0]), st.booleans()), max_size=5),
       replace=st.booleans())
def test_no_plan_lands_on_an_input_or_a_file_that_is_not_ours(tmp_path_factory, inputs, existing, replace):
    root = tmp_path_factory.mktemp("plan")
    sources = []
    for folder, stem, suffix in inputs:
        (root / folder).mkdir(exist_ok=True)
        source = root / folder / f"{stem}{suffix}"
        source.write_bytes(b"photo")
        sources.append(source)
    for stem, ours in existing:
        if ours:
            unmask_result(root / f"{stem}.png")
        elif not (root / f"{stem}.png").exists():
            (root / f"{stem}.png").write_bytes(b"user file")
    planned = outputs.plan(sources, root, replace)
    written = [path for p in planned for path in (p.result, p.sketch)]
    keys = [str(path).lower() for path in written]
    assert len(set(keys)) == len(keys)
    inputs_lower = {str(source).lower() for source in sources}
    for path in written:
        assert str(path).lower() not in inputs_lower
        assert not path.exists() or (replace and outputs.is_unmask_result(path))

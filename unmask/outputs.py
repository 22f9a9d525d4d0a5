"""Where the CLI writes, decided before anything is written, so no user's file is ever replaced.

``plan`` names every result of a run up front: ``OUT/NAME.png`` (and ``OUT/NAME_sketch.png``),
or ``OUT/NAME-1.png``, ``OUT/NAME-2.png``... when that name is an input, an existing file or a
result planned earlier in the same run. Only earlier *unmask results* (PNGs whose metadata carries
``io.SYNTHESIZED_NOTE``) may be replaced, and only when asked (``replace_results``). ``write_new``
writes each file atomically (a hidden temporary file beside it, then a hard link or rename that
refuses an existing name), so a killed run leaves no half-written PNG under a result's name.
"""
from __future__ import annotations

import errno
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from unmask import io


@dataclass(frozen=True)
class Planned:
    source: Path
    result: Path
    sketch: Path
    renamed: bool  # the plain name was taken, so a number was added


def is_unmask_result(path: Path) -> bool:
    """True for a PNG this project wrote (labelled synthesized in its metadata); never for a photo."""
    try:
        with Image.open(path) as picture:
            return picture.format == "PNG" and picture.info.get("Description") == io.SYNTHESIZED_NOTE
    except Exception:  # unreadable, a folder, gone: not a result of ours
        return False


def _replaceable(path: Path) -> bool:
    """An earlier result of ours, as a plain file (a link could lead to anything)."""
    return path.is_file() and not path.is_symlink() and is_unmask_result(path)


def _key(path: Path) -> str:
    """Compare names as a case-insensitive file system would: two names differing by case collide."""
    return os.path.abspath(path).lower()


def plan(sources: list[Path], out_dir: Path, replace_results: bool = False) -> list[Planned]:
    """One ``Planned`` per source, no two sharing a file, none on an input or another file."""
    inputs = {_key(source) for source in sources}
    claimed: set[str] = set()

    def free(path: Path) -> bool:
        key = _key(path)
        if key in inputs or key in claimed:
            return False
        if not os.path.lexists(path):
            return True
        return replace_results and _replaceable(path)

    planned = []
    for source in sources:
        number = 0
        while True:
            stem = source.stem if number == 0 else f"{source.stem}-{number}"
            result, sketch = out_dir / f"{stem}.png", out_dir / f"{stem}_sketch.png"
            if free(result) and free(sketch):
                break
            number += 1
        claimed.update((_key(result), _key(sketch)))
        planned.append(Planned(source, result, sketch, number > 0))
    return planned


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_new(path: Path, data: bytes, replace_result: bool = False) -> None:
    """Write ``data`` to ``path`` atomically, refusing (``FileExistsError``) to replace any file
    unless ``replace_result`` and that file is an unmask result."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; a result is an ordinary file
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if replace_result and _replaceable(path):
            os.replace(temporary, path)
            return
        try:
            os.link(temporary, path)  # atomic, and fails if the name exists
        except FileExistsError:
            raise FileExistsError(errno.EEXIST, "a file of that name appeared during the run; it was left as it is",
                                  str(path)) from None
        except OSError:  # a file system without hard links (FAT, some network shares)
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, "a file of that name exists; it was left as it is", str(path)) from None
            os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)

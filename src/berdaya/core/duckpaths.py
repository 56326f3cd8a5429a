"""File paths as DuckDB should read them: the file named, never a glob.

DuckDB's readers (`read_csv`) treat `*`, `?` and `[...]` in a path as a glob pattern: an officer's
`daftar[1].csv` beside a `daftar1.csv` reads the other file, without a word. A path with such a character is read
through a link of a plain name in a working folder of ours.
"""

from __future__ import annotations

import re
from pathlib import Path

_GLOB = re.compile(r"[*?\[\]{}]")


def literal_path(path: Path, workdir: Path) -> Path:
    """`path` itself when DuckDB reads it literally; otherwise a symbolic link to it in `workdir` (which the caller
    owns and removes), with the file's own suffix when that is plain (DuckDB reads `.gz` as compressed)."""
    if not _GLOB.search(str(path)):
        return path
    suffix = "".join(s for s in path.suffixes if not _GLOB.search(s))[-16:]
    link = workdir / f"berkas-masukan{suffix}"
    link.unlink(missing_ok=True)
    link.symlink_to(path.resolve())
    return link

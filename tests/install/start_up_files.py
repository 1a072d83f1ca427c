"""Start-up files as test data: any text in lines, with or without a final newline."""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st

from doorstep.foundation import product
from doorstep.install import shell_path

NAME = product.current().name
# Start-up files are text: any characters but NUL, in lines.
LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\0"))
CONTENT = st.one_of(
    st.none(),
    st.lists(LINE, max_size=6).map(lambda lines: "\n".join(lines).encode()),
    st.lists(LINE, max_size=6).map(lambda lines: "".join(f"{x}\n" for x in lines).encode()),
)


def lines_for(folder: Path, home: Path, syntax: str = shell_path.POSIX) -> tuple[str, ...]:
    return shell_path.block_lines(product.current(), folder, home, syntax)


__all__ = ["CONTENT", "NAME", "lines_for"]

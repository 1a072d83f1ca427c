"""The one table of boolean environment values, for Python and for the shell scripts.

None: unset; False: off; True: on (DESIGN.md: unset or empty is unset; 0, false, no and
off in any case are false; anything else is true).
"""

from __future__ import annotations

from typing import Optional

CASES: tuple[tuple[str, Optional[bool]], ...] = (
    ("", None),
    ("  ", None),
    ("0", False),
    ("false", False),
    ("False", False),
    ("FALSE", False),
    ("fAlSe", False),
    ("no", False),
    ("No", False),
    ("NO", False),
    ("off", False),
    ("Off", False),
    ("OFF", False),
    (" 0 ", False),
    ("\tno\n", False),
    ("1", True),
    ("true", True),
    ("yes", True),
    ("on", True),
    ("2", True),
    ("00", True),
    ("n", True),
    ("nope", True),
    ("false!", True),
    ("-", True),
    ("no way", True),
)

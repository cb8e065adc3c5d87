"""What counts as a bare e-mail address where feeds will show it (an entry's author, the site's author).

Feeds carry it as it is (Atom ``<email>``, RSS ``dc:creator``), so it must be the address alone: one
``@`` with something on either side, no white space, no scheme (``mailto:``), no ``Name <address>``.
Subscribers' addresses are checked far more strictly, by ``subscribers.normalise_email``.
"""

from __future__ import annotations

import re

EMAIL_PATTERN = re.compile(r'^[^\s@<>"(),;:\[\]\\]+@[^\s@<>"(),;:\[\]\\]+$')


def is_bare_address(text: str) -> bool:
    return EMAIL_PATTERN.match(text) is not None

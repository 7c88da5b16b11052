"""Where a login may send the user next.

After logging in, users go back to the page they asked for, named by the
`next` parameter. Anyone can write a link to your login page with any `next`,
so an unchecked `redirect(next)` sends your users wherever a phisher likes,
from a page they trust: an open redirect. Only a path on this site is allowed.
"""

import re

# Printable ASCII without spaces. Browsers silently drop tabs and newlines
# inside a URL and trim other control characters, so `/\t/evil.example`
# would reach them as `//evil.example`. A real path is percent-encoded and
# never needs anything else.
PATH_CHARACTERS = re.compile(r"[!-~]+")


def is_safe_redirect(target):
    """True if target is a path on this site, and so safe to redirect to."""
    return (
        isinstance(target, str)
        and PATH_CHARACTERS.fullmatch(target) is not None
        # One leading slash makes a path; a scheme (`https:`, `javascript:`)
        # or no slash at all does not.
        and target.startswith("/")
        # Two slashes make a host: `//evil.example`.
        and not target.startswith("//")
        # Browsers read a backslash as a slash: `/\evil.example`.
        and "\\" not in target
    )

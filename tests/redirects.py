"""Where a redirect sends a browser: on this site, or off it.

A step may send a user whose `next` it refused to any page of its own (the
home page, the profile): the tests accept any of them, and only them.
"""

import re


def stays_on_site(location):
    """True if a browser following this Location header stays on this site.

    Conservative: only a path that starts with one slash counts, after doing
    what browsers (the WHATWG URL standard) do first: trim control
    characters and spaces at the ends, drop tabs and newlines anywhere, and
    read backslashes as slashes.
    """
    cleaned = location.strip("".join(map(chr, range(0x21))))
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return cleaned.startswith("/") and not cleaned.startswith("//")


def refused(target, location):
    """Whether a redirect refused the hostile `next` target: it went elsewhere, on this site."""
    return location is not None and location != target and stays_on_site(location)

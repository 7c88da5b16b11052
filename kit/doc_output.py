"""Comparing what a command printed with what a document shows."""

import re


def matches(shown, printed):
    """Whether printed output is what a document shows; "..." there stands for anything."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, printed, re.S) is not None

"""What the X-ray shows, as text: its panel on a page, and its history of requests."""

import html
import re

from kit.xray_mode import the_panel

# How the panel names alice: her class (whatever the step calls it), her name,
# and get_id() when there is one (steps 4 and 5 give a token's caller their
# id; from step 7 get_id() is a login's token, which a token call has none of).
ALICE = r"\w+ alice(?: \(get_id\(\) '[^']*'\))?"


def text_of(markup):
    """What a page part says, as one line of text: no tags, styles or scripts."""
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S)
    markup = re.sub(r"</?(code|b|small|a)\b[^>]*>", "", markup)  # inside a line of text
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def panel(response):
    """The text of the X-ray's panel on an HTML page (there is exactly one)."""
    return text_of(the_panel(response))


def history(client):
    """The requests the history page lists, oldest first, each as its text."""
    page = client.get("/_xray").text
    entries = [text_of(entry) for entry in page.split('<details class="xray-request">')[1:]]
    return [re.sub(r"^\d+\. ", "", entry) for entry in entries]  # without their numbers

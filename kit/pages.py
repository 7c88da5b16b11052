"""Pages read as a browser reads them: elements and their text, not their markup.

A step may write its HTML as it likes (attributes, quotes, whitespace,
nesting): the tests look for elements and words, never for a string of
markup.
"""

from html.parser import HTMLParser

# Elements that have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Element:
    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = dict(attrs)
        self.children = []  # elements and strings, in order

    @property
    def text(self):
        """The words inside the element, with its whitespace collapsed."""
        parts = [child if isinstance(child, str) else child.text for child in self.children]
        return " ".join(" ".join(parts).split())

    def find_all(self, tag, class_=None):
        """Every element inside this one with that tag (and class), in document order."""
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.tag == tag and (class_ is None or class_ in child.attrs.get("class", "").split()):
                    found.append(child)
                found += child.find_all(tag, class_)
        return found


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.open[-1].children.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, attrs))

    def handle_endtag(self, tag):
        # Close up to the element the tag ends (browsers forgive a missing end tag).
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data):
        self.open[-1].children.append(data)


def parse(html):
    """The page as a tree of elements: parse(page).find_all("h1")[0].text."""
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def form_on(page, posting_to=None):
    """The form of a page that a visitor would send: the one whose action ends in posting_to,
    or else the one with a password field, or else the first."""
    forms = parse(page).find_all("form")
    if posting_to is not None:
        forms = [form for form in forms if (form.attrs.get("action") or "").endswith(posting_to)]
    with_password = [form for form in forms
                     if any(field.attrs.get("type") == "password" for field in form.find_all("input"))]
    found = (with_password or forms)[:1]
    assert found, f"no form{f' posting to {posting_to}' if posting_to else ''} on the page"
    return found[0]


def hidden_fields(form):
    """What a form sends on its own: its hidden fields (the CSRF token, a `next`)."""
    return {field.attrs["name"]: field.attrs.get("value") or "" for field in form.find_all("input")
            if field.attrs.get("type") == "hidden" and field.attrs.get("name")}


def ticked(form, fields):
    """Fields as a browser sends them: a checkbox given as "on" (ticked) sends its own `value`,
    "on" only when it has none."""
    values = {box.attrs.get("name"): box.attrs.get("value") or "on" for box in form.find_all("input")
              if box.attrs.get("type") == "checkbox"}
    return {name: values[name] if value == "on" and name in values else value
            for name, value in fields.items()}


def checkboxes(page):
    """Each checkbox of a page: its attributes, and the words of its label.

    The label is the one around it or the one that names its id
    (`<label for=...>`): a browser reads either.
    """
    document = parse(page)
    labels = document.find_all("label")
    found = []
    for box in document.find_all("input"):
        if box.attrs.get("type") != "checkbox":
            continue
        named = [label for label in labels
                 if box in label.find_all("input") or
                 (box.attrs.get("id") and label.attrs.get("for") == box.attrs["id"])]
        found.append((box.attrs, " ".join(label.text for label in named)))
    return found


def words(page):
    """What a page says: its text, whatever the markup, its whitespace collapsed."""
    return parse(page).text


def links(page):
    """Where the page's links lead: the href of each <a>."""
    return [link.attrs.get("href") for link in parse(page).find_all("a")]


def forms(page):
    """The page's forms: (action, method, the names of their fields)."""
    return [(form.attrs.get("action") or "", (form.attrs.get("method") or "get").lower(),
             [field.attrs.get("name") for field in form.find_all("input") + form.find_all("button")
              if field.attrs.get("name")])
            for form in parse(page).find_all("form")]


def flashed(page, category):
    """The text of the page's elements whose class names the category: where a step shows the
    messages flashed in it (`<p class="flash info">`, say)."""
    return [element.text for tag in ("p", "div", "li", "span", "section")
            for element in parse(page).find_all(tag, category)]

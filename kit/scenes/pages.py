"""The HTML pages of the tours: each scene's requests, drawn as sequence diagrams.

tour.py writes a step's tour with them, compare.py a learner's tour beside
the reference's. A page loads nothing: no script, stylesheet, font or image
URL; it opens from disk.
"""

from dataclasses import dataclass

from jinja2 import ChoiceLoader, Environment, PackageLoader

from kit.scenes import sequence
from kit.steps import ROOT

# Tours go to tours/ (git-ignored): they hold times and dates that differ
# on every run, and the command makes them in seconds.
OUTPUT = ROOT / "tours"


@dataclass
class ShownRequest:
    number: int
    record: object
    arrows: list
    height: int
    differs: bool = False  # from the reference's, in a comparison


def shown_scenes(tour):
    """Each scene's title, and its requests numbered through the walk, with their arrows."""
    numbered = 0
    scenes = []
    for scene in tour.scenes:
        shown = []
        for each in scene.records:
            numbered += 1
            drawn = sequence.arrows(each)
            shown.append(ShownRequest(numbered, each, drawn, sequence.height(drawn)))
        scenes.append((scene.title, shown))
    return scenes


def templates():
    environment = Environment(
        # The tour's own templates, and the X-ray's record of a request, which it shows.
        loader=ChoiceLoader([PackageLoader("kit.scenes"), PackageLoader("kit.xray")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )
    environment.globals.update(lanes=sequence.LANES, lane_x=sequence.LANE_X, width=sequence.WIDTH)
    return environment


def file_name(tour, ending=""):
    """tours/step03_login_required.html, tours/workshop-step03_login_required.html."""
    return f"{tour.step.strip('/').replace('/', '-')}{ending}.html"

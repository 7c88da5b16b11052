"""`make tour STEP=N DIR=workshop/stepNN_name COMPARE=1`: a learner's tour beside the reference's.

Both tours come from the same walk (kit/steps.py), so their scenes line up.
Inside a scene the requests are paired by method and path, and each pair is
compared on what a learner can get wrong with Flask-Login: the answer, how
many times each loader ran and how many queries it made, the signals, the
decorators, the cookies set. Each difference is a sentence ("your
user_loader ran twice on GET /profile, the reference's once"), and the
requests that differ are outlined in red on the page.
"""

import difflib

from kit.scenes.pages import OUTPUT, file_name, shown_scenes, templates
from kit.scenes.sequence import set_cookie_line

TIMES = {0: "not at all", 1: "once", 2: "twice"}


def times(count):
    return TIMES.get(count, f"{count} times")


def name_of(record):
    return f"{record.method} {record.path}"


def answer_of(record):
    return f"{record.status} to {record.location}" if record.location else str(record.status)


def calls_of(record, loader):
    return sum(call.loader == loader for call in record.loader_calls)


def kind_of(call):
    """What a loader's answer was, whoever the user: a user, an inactive one, or None."""
    if not call.found_user:
        return "None"
    return "inactive" if call.answer.endswith(", inactive") else "user"


def queries_of(record):
    return sum(len(call.queries) for call in record.loader_calls)


def differences(yours, reference):
    """What your request did that the reference's did not, or the other way round."""
    where = f"on {name_of(yours)}"
    notes = []
    if answer_of(yours) != answer_of(reference):
        notes.append(f"your app answered {answer_of(yours)} {where},"
                     f" the reference's {answer_of(reference)}")
    loaders = sorted({call.loader for call in yours.loader_calls + reference.loader_calls})
    for loader in loaders:
        ran, should = calls_of(yours, loader), calls_of(reference, loader)
        if ran != should:
            notes.append(f"your {loader} ran {times(ran)} {where}, the reference's {times(should)}")
    for mine, theirs in zip(yours.loader_calls, reference.loader_calls):
        if mine.loader == theirs.loader and kind_of(mine) != kind_of(theirs):
            notes.append(f"your {mine.loader} answered {mine.answer} {where},"
                         f" the reference's {theirs.answer}")
    if queries_of(yours) != queries_of(reference):
        notes.append(f"your loaders made {queries_of(yours)} queries {where},"
                     f" the reference's {queries_of(reference)}")
    if yours.decorators != reference.decorators:
        notes.append(f"your view is behind {' '.join(yours.decorators) or 'no decorator'} {where},"
                     f" the reference's behind {' '.join(reference.decorators) or 'none'}")
    sent, expected = [name for name, _ in yours.signals], [name for name, _ in reference.signals]
    notes += [f"your app sent no {name} {where}, the reference's did"
              for name in expected if name not in sent]
    notes += [f"your app sent {name} {where}, the reference's did not"
              for name in sent if name not in expected]
    notes += cookie_differences(yours, reference, where)
    return notes


def cookie_differences(yours, reference, where):
    set_by_you = {cookie.name: set_cookie_line(cookie) for cookie in yours.cookies_set}
    set_by_reference = {cookie.name: set_cookie_line(cookie) for cookie in reference.cookies_set}
    notes = []
    for name, line in set_by_reference.items():
        if name not in set_by_you:
            notes.append(f"your app set no {name} cookie {where}; the reference's: {line}")
        elif set_by_you[name] != line:
            notes.append(f"your {set_by_you[name]} {where}; the reference's: {line}")
    notes += [f"your app set a {name} cookie {where} ({line}), the reference's did not"
              for name, line in set_by_you.items() if name not in set_by_reference]
    return notes


def compared_scene(yours, reference):
    """The notes of one scene; the requests that differ are marked (their .differs)."""
    matcher = difflib.SequenceMatcher(
        None, [name_of(each.record) for each in yours], [name_of(each.record) for each in reference],
        autojunk=False,
    )
    notes = []
    for operation, start, end, reference_start, reference_end in matcher.get_opcodes():
        if operation == "equal":
            for mine, theirs in zip(yours[start:end], reference[reference_start:reference_end]):
                found = differences(mine.record, theirs.record)
                mine.differs = theirs.differs = bool(found)
                notes += found
            continue
        for extra in yours[start:end]:
            extra.differs = True
            notes.append(f"your walk made {name_of(extra.record)} → {answer_of(extra.record)},"
                         " the reference's did not")
        for missing in reference[reference_start:reference_end]:
            missing.differs = True
            notes.append(f"the reference's walk made {name_of(missing.record)} →"
                         f" {answer_of(missing.record)}, yours did not")
    return notes


def scenes_compared(tour, reference):
    """(title, notes, your requests, the reference's) for each scene of the walk."""
    return [
        (title, compared_scene(yours, theirs), yours, theirs)
        for (title, yours), (_, theirs) in zip(shown_scenes(tour), shown_scenes(reference))
    ]


def all_notes(tour, reference):
    return [note for _, notes, _, _ in scenes_compared(tour, reference) for note in notes]


def write(tour, reference, output=OUTPUT):
    """The comparison page, beside the tour: tours/workshop-step03_login_required-compared.html."""
    page = templates().get_template("tour_compare.html").render(
        step=tour.step, reference=reference.step, number=tour.number,
        scenes=scenes_compared(tour, reference),
    )
    output.mkdir(parents=True, exist_ok=True)
    path = output / file_name(tour, "-compared")
    path.write_text(page, encoding="utf-8")
    return path

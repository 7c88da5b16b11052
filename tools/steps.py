"""The tutorial's steps, in order: the one list the tools and the tests share."""

STEP_NAMES = (
    "step01_minimal",
    "step02_user_loader",
    "step03_login_required",
    "step04_database",
    "step05_request_loader",
)


def step_number(value):
    """The number of the step named by value: "3" or "step03_login_required"."""
    if value.isdigit() and 1 <= int(value) <= len(STEP_NAMES):
        return int(value)
    if value in STEP_NAMES:
        return STEP_NAMES.index(value) + 1
    raise ValueError(f"no step {value!r}: give 1 to {len(STEP_NAMES)} or a folder name")

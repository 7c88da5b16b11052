"""Before `make run` serves a step: create its database, if it has one.

    python -m kit.prepare step04_database

A step has a database when its app registers an `init-db` command (however
the source names it); this runs that command as `flask --app STEP init-db`
would, and does nothing for a step without one.
"""

import sys

from flask.cli import ScriptInfo


def prepare(app_import_path):
    info = ScriptInfo(app_import_path=app_import_path)
    command = info.load_app().cli.commands.get("init-db")
    if command is not None:
        command.main(args=[], prog_name="init-db", obj=info, standalone_mode=False)


if __name__ == "__main__":
    prepare(sys.argv[1])

"""The library versions the services are built against, checked once at start-up.

Our extensions use only the documented APIs of these libraries, but those APIs are the ones of
these major versions: nameko 3 reads its config differently and changes its extension hooks,
kombu 6 / py-amqp 6 may change ``Message.ack(multiple=...)``, werkzeug 4 its routing. A service
started against another major version stops at once with a message saying which library is
outside its range, instead of misbehaving later.
"""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

SUPPORTED = {  # distribution: (lowest, below) as version tuples; keep with pyproject.toml
    "nameko": ((2, 14), (3,)),
    "kombu": ((5, 3), (6,)),
    "amqp": ((5, 2), (6,)),
    "eventlet": ((0, 33), (1,)),
    "werkzeug": ((2, 3), (4,)),
    "marshmallow": ((3, 20), (5,)),
}


def as_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(c for c in piece if c.isdigit()) if piece[:1].isdigit() else ""
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def shown(bound: tuple[int, ...]) -> str:
    return ".".join(map(str, bound))


def version_problems(installed=version) -> list[str]:
    problems = []
    for name, (lowest, below) in SUPPORTED.items():
        try:
            found = installed(name)
        except PackageNotFoundError:
            problems.append(f"{name} is not installed (needs >= {shown(lowest)}, < {shown(below)})")
            continue
        if not lowest <= as_tuple(found) < below:
            problems.append(f"{name} {found} is installed; these services need "
                            f">= {shown(lowest)}, < {shown(below)}")
    return problems


def check_versions() -> None:
    problems = version_problems()
    if problems:
        raise RuntimeError("unsupported library versions: " + "; ".join(problems)
                           + ". Install the project's lock file (see README, 'The two commands').")

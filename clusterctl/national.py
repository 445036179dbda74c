"""``clusterctl national load DIR | list``: the admin loads the national strategy hierarchy into
the running system without a release - the CSV files of a folder (clusterctl/data/reference/
national/README.md), checked whole first: every bad row is printed by file and line (Thai and
English) and nothing is loaded. The load is the operator's act, kept in the audit log."""
from __future__ import annotations

from pathlib import Path

from .runner import SetupError, running_system_rpc
from .settings import Settings


def read_folder(directory: Path) -> dict[str, str]:
    """{file name: text} of every ``*.csv`` in ``directory``; SetupError saying what is wrong."""
    if not directory.is_dir():
        raise SetupError(f"national load: {directory} is not a folder of .csv files")
    files = {}
    for path in sorted(directory.glob("*.csv")):
        try:
            files[path.name] = path.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise SetupError(f"national load: {path.name} is not UTF-8 (byte {exc.start}): save "
                             f"it as 'CSV UTF-8' / {path.name} ไม่ได้บันทึกเป็น UTF-8") from None
    if not files:
        raise SetupError(f"national load: no .csv file in {directory}")
    return files


def load(settings: Settings, directory: Path, add: bool, check_only: bool, out=print) -> int:
    """Load ``directory``'s files (``add``: joining those of the version loaded last, a file of
    the same name replacing it; else exactly them); 2 when a row is bad (each printed), 0 when
    loaded or already loaded."""
    from .audit import keep, operator

    files = read_folder(directory)
    with _rpc(settings, "load") as rpc:
        if add:
            files = {**(rpc.plans.national_files() or {}), **files}
        checked = rpc.plans.check_national(files)
        if checked["problems"]:
            for problem in checked["problems"]:
                out(problem["message"])
            out(f"{len(checked['problems'])} problem(s); nothing was loaded / "
                f"พบข้อผิดพลาด {len(checked['problems'])} รายการ ยังไม่มีการนำเข้าใด")
            return 2
        if check_only:
            out(f"would load version {checked['version_id']}: {_counts(checked['by_level'])} "
                f"(nothing loaded: --check)")
            return 0
        loaded = rpc.plans.load_national(files, operator().person)
    keep(settings, "settings.national_reference", loaded["version_id"],
         {**loaded, "files": sorted(files)})
    out(f"national hierarchy {loaded['version_id']} "
        f"({'loaded' if loaded['created'] else 'loaded before, in force again'}): {_counts(loaded['by_level'])}; "
        f"files: {', '.join(sorted(files))}")
    return 0


def list_versions(settings: Settings, out=print) -> int:
    """Every loaded version (the last one is in force for new plans) and its entries today."""
    with _rpc(settings, "list") as rpc:
        versions = rpc.plans.national_versions()
        shown = rpc.plans.national_entries()
    if not versions:
        out("no national hierarchy loaded yet (make run loads the shipped one)")
        return 0
    for version in versions:
        out(f"{version['version_id']}  loaded {version['loaded_at']} by {version['loaded_by']}  "
            f"files: {', '.join(version['files'])}")
    unverified = sum(not e["verified"] for level in shown["levels"] for e in level["entries"])
    out(f"in force on {shown['on_date']} ({shown['version']['version_id']}): "
        + ", ".join(f"{level['level']} {level['count']}" for level in shown["levels"])
        + f"; {unverified} not verified against the official text")
    return 0


def _counts(by_level: dict) -> str:
    return ", ".join(f"{level} {count}" for level, count in by_level.items())


class _rpc:
    """The running system's RPC, its failures said in one line (SetupError)."""

    def __init__(self, settings: Settings, action: str):
        self.settings, self.action = settings, action

    def __enter__(self):
        self.proxy = running_system_rpc(self.settings)
        try:
            return self.proxy.__enter__()
        except Exception as exc:  # the broker is not there
            raise SetupError(f"national {self.action}: {type(exc).__name__}: {exc}") from None

    def __exit__(self, kind, exc, tb):
        self.proxy.__exit__(kind, exc, tb)
        if exc is not None and not isinstance(exc, SetupError):
            message = getattr(exc, "value", None) or f"{type(exc).__name__}: {exc}"
            raise SetupError(f"national {self.action}: {message}") from None
        return False

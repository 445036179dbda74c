"""The layout of DESIGN 4, checked on the source with ``ast``: no service package imports another,
a service's domain.py needs no messaging, storage or concurrency library, and contracts/ is the
shared vocabulary only (stdlib, marshmallow and its own modules)."""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "services"
SERVICE_PACKAGES = ("plans", "reporting", "assets", "notify", "gateway")
# Standard-library modules that do I/O: not in a domain.py either.
NOT_IN_DOMAIN = ("sqlite3", "socket", "smtplib", "ssl", "subprocess", "urllib.request",
                 "http.client")
CONTRACTS_MAY_IMPORT = ("marshmallow", "services.contracts")
CROSS_SERVICE_ALLOWED: set[tuple[str, str]] = set()  # (file, module): none, and none wanted


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            found.append((node.lineno, module))
            # ``from services import gateway`` names a package through its parent
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


def is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


# The four back-end services share one shape (the gateway is the HTTP edge: api/ by area instead).
SHAPE = ("service.py", "handlers.py", "domain.py", "schemas.py", "store/base.py", "store/sqlite.py",
         "store/mongo.py")


@pytest.mark.parametrize("service", ("plans", "reporting", "assets", "notify"))
def test_every_service_has_the_one_shape(service):
    missing = [part for part in SHAPE if not (SERVICES / service / part).exists()]
    assert not missing, f"services/{service}/ lacks {', '.join(missing)}"


def test_no_service_package_imports_another():
    wrong = []
    for own in SERVICE_PACKAGES:
        for path in python_files(SERVICES / own):
            for line, module in imports(path):
                for other in SERVICE_PACKAGES:
                    allowed = any(str(path.relative_to(ROOT)) == file and is_under(module, ok)
                                  for file, ok in CROSS_SERVICE_ALLOWED)
                    if other != own and is_under(module, f"services.{other}") and not allowed:
                        wrong.append(f"{where(path, line)} imports {module}")
    assert not wrong, "a service imports another service's package:\n" + "\n".join(wrong)


def test_clusterctl_does_not_import_the_gateway():
    """Except its accounts store and the audit log beside it: `clusterctl admin-link` (the
    first admin, a lost admin password) must work while the gateway is down, and is kept."""
    wrong = [f"{where(path, line)} imports {module}"
             for path in python_files(ROOT / "clusterctl") for line, module in imports(path)
             if is_under(module, "services.gateway")
             and not is_under(module, "services.gateway.accounts")
             and not is_under(module, "services.gateway.audit")]
    assert not wrong, "\n".join(wrong)


# Pure rule modules beside a domain.py (split from it to keep each under ~600 lines), and the
# schemas.py of each service (marshmallow only). A domain.py may import these of its own package.
PURE_MODULES = ("reporting/timeliness.py", "reporting/plausibility.py", "reporting/problems.py",
                "gateway/problem_schemas.py", "gateway/accounts/domain.py",
                "plans/lifecycle.py",
                "plans/validation.py",
                "plans/national.py", "plans/links.py", "plans/alignment.py",
                "gateway/emenscr/rows.py",
                *(f"{s}/schemas.py" for s in SERVICE_PACKAGES))
DOMAIN_MAY_IMPORT = ("marshmallow", "services.contracts")


def pure_modules_of(service: str) -> set[str]:
    """Module names a pure module of ``service`` may import from its own package."""
    names = {f"services.{service}.domain"}
    names |= {f"services.{m[:-3].replace('/', '.')}" for m in PURE_MODULES
              if m.startswith(f"{service}/")}
    return names


def impure_imports(path: Path, service: str) -> list[str]:
    """What ``path`` (a pure module of ``service``) imports beyond stdlib, marshmallow,
    services.contracts and its own package's pure modules."""
    own = pure_modules_of(service)
    wrong = []
    for line, module in imports(path):
        top = module.split(".")[0]
        io = any(is_under(module, lib) for lib in NOT_IN_DOMAIN)
        if module == "__future__" or (top in sys.stdlib_module_names and not io):
            continue
        if any(is_under(module, ok) for ok in DOMAIN_MAY_IMPORT):
            continue
        # ``from .domain import X`` is listed as services.<s>.domain and services.<s>.domain.X
        if any(is_under(module, mine) for mine in own):
            continue
        wrong.append(f"{where(path, line)} imports {module}")
    return wrong


@pytest.mark.parametrize("module", [f"{s}/domain.py" for s in SERVICE_PACKAGES] + list(PURE_MODULES))
def test_domain_is_pure(module):
    path = SERVICES / module
    if not path.exists():
        pytest.skip(f"no {module}")
    wrong = impure_imports(path, module.split("/")[0])
    assert not wrong, ("domain.py (and the pure modules beside it) may import only the standard "
                       "library, marshmallow, services.contracts and its own package's pure "
                       "modules:\n" + "\n".join(wrong))


def test_contracts_are_vocabulary_only():
    wrong = []
    for path in python_files(SERVICES / "contracts"):
        for line, module in imports(path):
            top = module.split(".")[0]
            if module == "__future__" or top in sys.stdlib_module_names:
                continue
            if not any(is_under(module, ok) for ok in CONTRACTS_MAY_IMPORT):
                wrong.append(f"{where(path, line)} imports {module}")
    assert not wrong, "contracts/ may import only stdlib and marshmallow:\n" + "\n".join(wrong)


def test_the_checks_see_a_violation(tmp_path, monkeypatch):
    """The walker itself: a cross-service import written relatively is still found."""
    package = tmp_path / "services" / "notify"
    package.mkdir(parents=True)
    (package / "domain.py").write_text("from ..assets.domain import X\nimport kombu\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert [m for _, m in imports(package / "domain.py")][:1] == ["services.assets.domain"]
    assert ("services.assets.domain.X" in [m for _, m in imports(package / "domain.py")])
    assert "kombu" in [m for _, m in imports(package / "domain.py")]


def test_the_purity_check_sees_a_template_engine_and_a_sibling_that_does_io(tmp_path, monkeypatch):
    package = tmp_path / "services" / "notify"
    package.mkdir(parents=True)
    (package / "domain.py").write_text(
        "import re\nfrom marshmallow import fields\nfrom services.contracts import events\n"
        "import jinja2\nfrom .sender import send\nfrom .schemas import Rules\nimport sqlite3\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    wrong = impure_imports(package / "domain.py", "notify")
    assert wrong == ["services/notify/domain.py:4 imports jinja2",
                     "services/notify/domain.py:5 imports services.notify.sender",
                     "services/notify/domain.py:5 imports services.notify.sender.send",
                     "services/notify/domain.py:7 imports sqlite3"]

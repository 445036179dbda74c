"""A certificate authority made in the test (the ``openssl`` CLI: ``cryptography`` is not among
the test requirements): a CA, and server or client certificates it signs for given names."""
from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path


def unavailable_reason() -> str | None:
    return None if shutil.which("openssl") else "the openssl command is not installed"


class TestCa:
    __test__ = False  # not a pytest class

    def __init__(self, directory: Path, name: str = "cluster-planning test CA"):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.cert, self.key = self.dir / f"{_slug(name)}.pem", self.dir / f"{_slug(name)}.key"
        _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                 "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", f"/CN={name}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def issue(self, name: str, hosts: tuple[str, ...] = (), client: bool = False) -> tuple[Path, Path]:
        """(certificate, key) for ``name``, valid for ``hosts`` (DNS names or IP addresses)."""
        cert, key, request = (self.dir / f"{_slug(name)}{ext}" for ext in (".pem", ".key", ".csr"))
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", key, "-out", request, "-subj", f"/CN={name}")
        ext = self.dir / f"{_slug(name)}.ext"
        alt = ",".join(f"IP:{h}" if _is_ip(h) else f"DNS:{h}" for h in hosts)
        ext.write_text(f"extendedKeyUsage={'clientAuth' if client else 'serverAuth'}\n"
                       + (f"subjectAltName={alt}\n" if alt else ""))
        _openssl("x509", "-req", "-in", request, "-CA", self.cert, "-CAkey", self.key,
                 "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext)
        for path in (cert, key, self.cert):  # the broker runs as the rabbitmq user
            os.chmod(path, 0o644)
        return cert, key


def _openssl(*args) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())

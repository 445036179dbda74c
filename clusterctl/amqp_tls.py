"""TLS towards RabbitMQ (``AMQP_URL=amqps://…``): the settings read and checked once, and the one
function that builds the ssl options every kombu, nameko and py-amqp connection is given.

Verification is on unless AMQP_TLS_VERIFY=0 says otherwise: the server's certificate must chain
to AMQP_CA_FILE (or, without it, to the system's CA store) and name the host connected to.
"""
from __future__ import annotations

import logging
import os
import ssl
from dataclasses import dataclass

log = logging.getLogger(__name__)

TLS_FILES = ("AMQP_CA_FILE", "AMQP_CERT_FILE", "AMQP_KEY_FILE")


class TlsSettingError(ValueError):
    """A TLS setting that cannot work (settings.py turns it into a SettingsError)."""


@dataclass(frozen=True)
class AmqpTls:
    ca_file: str | None = None     # AMQP_CA_FILE: PEM bundle the server's certificate chains to
    cert_file: str | None = None   # AMQP_CERT_FILE: client certificate (PEM), with its key
    key_file: str | None = None    # AMQP_KEY_FILE
    verify: bool = True            # AMQP_TLS_VERIFY=0 only: no check of the server at all

    def ssl_options(self) -> dict:
        """The ``ssl=`` of a kombu/py-amqp connection and nameko's ``AMQP_SSL``: plain values
        (written to the services' YAML config). A fresh dict each call: kombu writes the host it
        connects to into ``server_hostname`` (None asks it to), which py-amqp then checks the
        certificate against."""
        if not self.verify:
            return {"cert_reqs": int(ssl.CERT_NONE), **self._client_cert()}
        return {"cert_reqs": int(ssl.CERT_REQUIRED), "server_hostname": None,
                **({"ca_certs": self.ca_file} if self.ca_file else {}), **self._client_cert()}

    def _client_cert(self) -> dict:
        return {"certfile": self.cert_file, "keyfile": self.key_file} if self.cert_file else {}

    def https_verify(self) -> str | bool:
        """``verify=`` for requests (the management API over https)."""
        return (self.ca_file or True) if self.verify else False


def read_tls(env, scheme: str) -> AmqpTls | None:
    """The TLS settings for an AMQP_URL of ``scheme``; None for plain amqp://."""
    named = {name: (env.get(name) or "").strip() for name in TLS_FILES}
    if scheme != "amqps":
        given = [name for name, value in named.items() if value]
        if given:
            raise TlsSettingError(
                f"{', '.join(given)} set but AMQP_URL is not amqps://: write AMQP_URL=amqps://… "
                f"(port 5671) to use TLS, or unset {', '.join(given)} / ตั้งค่าไฟล์ TLS ไว้แต่ "
                "AMQP_URL ไม่ใช่ amqps:// ให้ใช้ amqps:// หรือลบค่าดังกล่าว")
        return None
    ca, cert, key = (named[name] or None for name in TLS_FILES)
    verify = _verify_flag(env)
    for name, path in named.items():
        if path:
            _readable(name, path)
    if bool(cert) != bool(key):
        have, lack = ("AMQP_CERT_FILE", "AMQP_KEY_FILE") if cert else ("AMQP_KEY_FILE", "AMQP_CERT_FILE")
        raise TlsSettingError(f"{have} is set without {lack}: a client certificate needs both "
                              f"(PEM files) / ต้องกำหนด {lack} คู่กับ {have}")
    if ca:
        try:
            ssl.create_default_context(cafile=ca)
        except ssl.SSLError as exc:
            raise TlsSettingError(f"AMQP_CA_FILE={ca} is not a PEM bundle of CA certificates "
                                  f"({exc.reason or exc}) / ไฟล์ CA ไม่ใช่ PEM ที่ถูกต้อง") from None
    elif verify and not system_ca_store():
        raise TlsSettingError(
            "AMQP_URL is amqps:// but AMQP_CA_FILE is not set and this system has no CA "
            "certificates to check the broker with: set AMQP_CA_FILE to the CA bundle that "
            "signed the broker's certificate / ไม่มีใบรับรอง CA ในระบบ ให้กำหนด AMQP_CA_FILE")
    if cert:
        try:
            ssl.create_default_context().load_cert_chain(cert, key)
        except ssl.SSLError as exc:
            raise TlsSettingError(
                f"AMQP_CERT_FILE={cert} and AMQP_KEY_FILE={key} are not a PEM certificate and "
                f"its private key ({exc.reason or exc}) / ใบรับรองกับกุญแจไม่เข้าคู่กัน") from None
    if not verify:
        log.warning("AMQP_TLS_VERIFY=0: the broker's certificate is NOT checked - anyone on the "
                    "path can pose as the broker and read every password and report. Use it "
                    "only to diagnose, never in production.")
    return AmqpTls(ca, cert, key, verify)


def system_ca_store() -> bool:
    """Whether the default verify paths hold any CA certificate (an empty container image has
    none, and every amqps:// connection would fail at the first handshake)."""
    if ssl.create_default_context().cert_store_stats().get("x509_ca"):
        return True
    paths = ssl.get_default_verify_paths()
    return bool(paths.capath and os.path.isdir(paths.capath) and os.listdir(paths.capath))


def _verify_flag(env) -> bool:
    raw = (env.get("AMQP_TLS_VERIFY") or "").strip().lower()
    if raw in ("", "1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise TlsSettingError(f"AMQP_TLS_VERIFY={raw!r} is not 1 or 0 (1, the default, checks the "
                          "broker's certificate; 0 switches that off) / ต้องเป็น 1 หรือ 0")


def _readable(name: str, path: str) -> None:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as exc:
        raise TlsSettingError(f"{name}={path} cannot be read ({exc.strerror}); give the path of a "
                              f"PEM file this user may read / อ่านไฟล์ {name} ไม่ได้") from None

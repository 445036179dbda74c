"""The first admin: `make run` prints a one-time link to set the admin's password while no admin
has one, and `clusterctl admin-link` prints a new one whenever the operator needs it (a lost
password). The link is the gateway's own /reset page; only its SHA-256 is stored."""
from __future__ import annotations

from services.gateway.accounts.handlers import Accounts
from services.gateway.accounts.store import open_store

from .settings import Settings

ADMIN = "admin"


def admin_link(settings: Settings, always: bool = False) -> tuple[str, str] | None:
    """(link, expiry) to set the password of the account ``admin`` (made if missing); None when
    an active admin already has a password, unless ``always``."""
    store = open_store(settings.people_url())  # the store the gateway's config names
    try:
        admins = [u for u in store.users() if u["duty"] == "admin" and not u.get("disabled_at")]
        if not always and any(u.get("password_hash") for u in admins):
            return None
        people = Accounts(store)
        if store.user(ADMIN) is None:
            people.create_user({"username": ADMIN, "name": "ผู้ดูแลระบบ / Administrator",
                                "email": settings.admin_email, "duty": "admin"}, "clusterctl", {})
        token, expires = people.new_link(ADMIN, "setup")
        return f"{settings.public_url}/reset?token={token}", expires.strftime("%Y-%m-%d %H:%M UTC")
    finally:
        store.close()

"""The errors a service answers an RPC caller with, shared so the caller gets them back as these
classes (stdlib only).

nameko sends an exception raised in a service as its class's dotted path and its ``args``; a
caller that registered that path (``nameko.exceptions.deserialize_to_instance``, done by the
gateway at start-up) gets an instance of the class again, any other caller a ``RemoteError``.
So every class here must be rebuilt from its ``args`` alone, and a service must raise these very
classes (import them; a subclass defined elsewhere travels under another path).
"""
from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a service answers a caller with: the caller's mistake, never a fault."""


# --- plans ----------------------------------------------------------------------------------------

class PlanError(ServiceError, ValueError):
    """Input a person must fix; the message says what and where.

    ``problems`` lists every ``(where, what)`` found, so an editor or a workbook import can point
    at each one. Across RPC only the message travels (it names the first 30 problems).
    """

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None):
        self.problems = problems or []
        if self.problems:
            message = f"{message}: " + "; ".join(f"{where}: {what}" for where, what in self.problems[:30])
            if len(self.problems) > 30:
                message += f" (and {len(self.problems) - 30} more)"
        super().__init__(message)


class LifecycleError(PlanError):
    """The plan is not in a state that allows this; nothing was changed."""


class StaleVersion(PlanError):
    """The document was read at an older version: someone changed the plan meanwhile."""


class UnknownPlan(ServiceError, LookupError):
    pass


class PlanExists(PlanError):
    """A new plan's id is taken."""


class Forbidden(ServiceError, PermissionError):
    """The caller's scope does not cover this change."""


class ConcurrentUpdate(ServiceError):
    """Someone else changed the plan since it was read; re-read and try again."""


# --- reporting ------------------------------------------------------------------------------------

class QueryError(ServiceError, ValueError):
    """A query a person must correct (unknown plan, bad period)."""


class UnknownFlag(QueryError):
    """No such flagged value in the plan (a path names it: the gateway answers 404)."""


class UnknownProblem(QueryError):
    """No such reported problem in the plan (a path names it: the gateway answers 404)."""


class ParkedError(ServiceError, ValueError):
    """A parked message that cannot be retried (unknown, or retried already)."""


# --- assets ---------------------------------------------------------------------------------------

class AssetError(ServiceError, ValueError):
    """Input a person must fix, or a step the asset's state does not allow."""


class NotAllowed(AssetError):
    """The actor may not do this to this asset."""


class Conflict(AssetError):
    """The asset changed since it was read: reload and decide again."""


class AlreadyRegistered(AssetError):
    """The asset code is taken."""


class NotFound(AssetError):
    """No such asset, or none the asker may see (the registry does not confirm a code)."""


# --- notify ---------------------------------------------------------------------------------------

class RuleError(ServiceError, ValueError):
    """A routing rule or preference an admin must correct."""


class PreferenceForbidden(ServiceError):
    """The asker may not change this agency's preferences."""


class UnknownAgency(RuleError):
    """No such agency in the directory (a path names it: the gateway answers 404)."""


class AccountMailError(ServiceError, ValueError):
    """An account mail (password reset, invitation, account locked) that cannot be sent as asked:
    the message names each field and what is wrong, never the value (a link is a secret)."""


class ApprovalError(ServiceError, ValueError):
    """A step of a period's approval that cannot be taken (contracts/approvals.py): its own HTTP
    ``status`` (400 bad input, 403 not the caller's step, 409 the approval or the figures moved
    on), an error ``code``, and what to do in English and Thai. All four travel in ``args``."""

    def __init__(self, status: int, code: str, en: str, th: str):
        super().__init__(status, code, en, th)
        self.status, self.code, self.en, self.th = status, code, en, th

    def __str__(self):
        return f"{self.en} / {self.th}"


class RedriveError(ApprovalError):
    """A kept rejection that cannot be sent through the intake again (docs/approvals.md,
    "nothing is lost"): 404 no such rejection, 403 another's, 409 re-driven already or still
    rejected (the reason, in English and Thai)."""


ALL = (ApprovalError, RedriveError, PlanError, PlanExists, LifecycleError, StaleVersion, UnknownPlan, Forbidden, ConcurrentUpdate,
       QueryError, ParkedError, AssetError, NotAllowed, Conflict, AlreadyRegistered, NotFound,
       RuleError, PreferenceForbidden, UnknownAgency, UnknownFlag, UnknownProblem, AccountMailError)

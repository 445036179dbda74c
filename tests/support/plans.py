"""The reference data and the sample plan as the tests need them (pure, no services)."""
from datetime import datetime, timezone

from clusterctl.reference import load_sample_plan
from clusterctl.settings import REPO_ROOT
from services.plans import lifecycle
from services.plans.domain import ReferenceVersion, parse_reference_csv


def sample_reference() -> ReferenceVersion:
    text = (REPO_ROOT / "data" / "reference" / "provincial-clusters.csv").read_text("utf-8")
    return parse_reference_csv(text, "reference", "2017-11-17")


def published_sample_plan() -> dict:
    """The seeded plan as reporting receives it: created, then published."""
    draft = lifecycle.create(load_sample_plan(), sample_reference())
    plan, _ = lifecycle.publish(draft, "test", "test", datetime.now(timezone.utc))
    return plan

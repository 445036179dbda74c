"""Reading the reference data and the sample plan shipped in clusterctl/data/ (package data,
read through importlib.resources, so an installed copy finds them outside a checkout)."""
from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from services.plans.domain import parse_reference_csv
from services.plans.national import NationalHierarchy, build_national_hierarchy

DATA = files("clusterctl") / "data"
REFERENCE_CSV = DATA / "reference" / "provincial-clusters.csv"
REFERENCE_EFFECTIVE_FROM = "2017-11-17"  # Royal Gazette announcement (clusterctl/data/reference/README.md)
REFERENCE_SOURCE = ("Announcement of the committee on integrated provincial and cluster "
                    "administration, Royal Gazette 17 Nov 2017 (data/reference)")
SAMPLE_PLAN = DATA / "seed" / "plan-northeast-lower-2-2566-2570.json"


def load_clusters(csv_path: Path | Traversable = REFERENCE_CSV) -> list[dict]:
    return parse_reference_csv(csv_path.read_text("utf-8"), REFERENCE_SOURCE,
                               REFERENCE_EFFECTIVE_FROM).clusters


def load_sample_plan(path: Path | Traversable = SAMPLE_PLAN) -> dict:
    """The plan document without its leading comment keys (``_note``)."""
    document = json.loads(path.read_text("utf-8"))
    return {k: v for k, v in document.items() if not k.startswith("_")}


SAMPLE_ASSETS = DATA / "seed" / "assets-northeast-lower-2.json"


def load_sample_assets(path: Path | Traversable = SAMPLE_ASSETS) -> list[dict]:
    """Sample assets of the sample plan's projects, each with the transfer steps already taken."""
    return json.loads(path.read_text("utf-8"))["assets"]


NATIONAL_DIR = DATA / "reference" / "national"


def national_files(directory: Path | Traversable = NATIONAL_DIR) -> dict[str, str]:
    """Every ``*.csv`` in ``directory`` by file name: what rpc.plans.load_national takes."""
    return {entry.name: entry.read_text("utf-8") for entry in directory.iterdir()
            if entry.name.endswith(".csv")}


def load_national(directory: Path | Traversable = NATIONAL_DIR) -> NationalHierarchy:
    """The national strategy hierarchy from every ``*.csv`` in ``directory`` (one list a file;
    clusterctl/data/reference/national/README.md); raises PlanError naming every bad row."""
    return build_national_hierarchy(national_files(directory))

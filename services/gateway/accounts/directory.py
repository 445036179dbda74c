"""The organisations a user may belong to (pure): clusters and provinces from the reference data
in force, agencies from the agencies directory and the plans that name them - their codes (the
rules check against them), their names (what a person reads) and the cluster each belongs to
(``domain.manages``: an OSM director manages its own cluster's people)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Organisations:
    known: dict[str, set[str]] = field(default_factory=lambda: {"cluster": set(), "province": set(),
                                                                  "agency": set()})
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (Thai, English)
    cluster_of: dict[str, str | None] = field(default_factory=dict)  # province/agency -> cluster

    def name(self, code: str | None, lang: str) -> str:
        """An organisation as a person reads it: its name (the code beside it), or a dash."""
        if not code:
            return "—"
        th, en = self.names.get(code, (code, code))
        return f"{th if lang == 'th' else en} ({code})"

    def choices(self, kind: str, clusters: set[str] | None = None) -> list[tuple[str, tuple[str, str]]]:
        """(code, names) of one kind, sorted by code; ``clusters``: only those in them."""
        return [(code, self.names.get(code, (code, code))) for code in sorted(self.known[kind])
                if clusters is None or (code if kind == "cluster" else self.cluster_of.get(code))
                in clusters]

    def code_of(self, text: str | None, kind: str) -> str | None:
        """The code an import names by its code or either of its names (None: not one)."""
        text = (text or "").strip()
        if text in self.known[kind]:
            return text
        folded = text.casefold()
        return next((code for code in sorted(self.known[kind])
                     if folded in (n.casefold() for n in self.names.get(code, ()))), None)


def organisations(clusters: list[dict], agencies: list[dict], plans: list[dict]) -> Organisations:
    """From ``list_clusters``' clusters, ``list_agencies`` and ``list_plans``' summaries."""
    found = Organisations()
    for cluster in clusters:
        found.known["cluster"].add(cluster["code"])
        found.names[cluster["code"]] = (cluster.get("name_th") or cluster["code"],
                                        cluster.get("name_en") or cluster["code"])
        for province in cluster.get("provinces", []):
            found.known["province"].add(province["code"])
            found.names[province["code"]] = (province.get("name_th") or province["code"],
                                             province.get("name_en") or province["code"])
            found.cluster_of[province["code"]] = cluster["code"]
    for plan in plans:  # an agency a plan names belongs to the plan's cluster ...
        for code in plan.get("agency_codes") or [a["code"] for a in plan.get("agencies", [])]:
            found.known["agency"].add(code)
            found.cluster_of.setdefault(code, plan.get("cluster"))
    for agency in agencies:  # ... or, in the directory, to its province's
        found.known["agency"].add(agency["code"])
        found.names[agency["code"]] = (agency.get("name_th") or agency["code"],
                                       agency.get("name_en") or agency["code"])
        if found.cluster_of.get(agency.get("province")):
            found.cluster_of[agency["code"]] = found.cluster_of[agency["province"]]
        else:
            found.cluster_of.setdefault(agency["code"], None)
    return found

"""The bench's cluster line (issue 25): the 76-province ingest on a private three-node RabbitMQ
cluster, as a ratio of the raw ceiling measured on that same cluster.

Three private nodes on this machine (tests/reliability/cluster.py), configured like the bench's
private node; the services get every node (AMQP_URL "url1;url2;url3"), the provinces and the
ceiling's publishers the first, as credentials.json's amqp_url gives it. Every quorum queue has
a member on each node, so each report is written three times: the ceiling pays for that too.
"""
from __future__ import annotations

import os
import uuid

from tests.reliability.broker import unavailable_reason
from tests.reliability.cluster import PrivateCluster


def measure_cluster(run, workdir, clock) -> None:
    """Adds ``ceiling_cluster`` and ``ingest_76_cluster`` to ``run``, or a note saying why not."""
    from . import run as bench  # the phases' own functions; imported here: run.py calls this
    from .workload import SAMPLE_PLAN_ID, other_cluster_plans

    mode = run.mode
    reason = unavailable_reason()
    if reason or not mode["ingest_76_per_province"]:
        run.notes.append(f"no cluster line: {reason or 'the quick run has no 76-province ingest'}")
        return
    cluster = PrivateCluster(**bench.PRIVATE_BROKER)
    saved = {k: os.environ.get(k) for k in ("AMQP_URL", "RABBIT_MANAGEMENT_URL")}
    system = None
    try:
        bench.say("cluster: starting three private RabbitMQ nodes as one cluster")
        cluster.start()
        # read by admin_broker() (the ceiling) and handed to the system it starts
        os.environ.update(AMQP_URL=cluster.amqp_url, RABBIT_MANAGEMENT_URL=cluster.management_url)
        bench.ceiling({**mode, "ceiling_per_province": bench.WARM_UP * 25}, clock, workdir,
                      uuid.uuid4().hex[:8])  # untimed warm-up, as on one node
        top = bench.ceiling(mode, clock, workdir, uuid.uuid4().hex[:8])
        run.add("ceiling_cluster", "ceiling on a 3-node cluster (quorum queue on 3 nodes)",
                top["rate"], "reports/s", "ceiling", run.baselines.get("ceiling_reports_per_s"),
                reports=top["reports"], seconds=top["seconds"])
        system = bench.BenchSystem(workdir / "cluster", uuid.uuid4().hex[:8])
        system.start()
        system.settle()
        others = other_cluster_plans()
        bench.publish_plans(system, others)
        system.settle()
        sample = {"id": SAMPLE_PLAN_ID, "provinces": ["TH-34", "TH-33", "TH-35", "TH-37"]}
        all76 = bench.ingest(system, [sample, *others], mode["ingest_76_per_province"], mode,
                             clock, workdir)
        run.add("ingest_76_cluster", "ingest, 76 provinces, on the 3-node cluster",
                all76["rate"], "reports/s", "ceiling on the cluster", top["rate"],
                reports=all76["reports"], seconds=all76["seconds"])
        bench.say(f"cluster: ceiling {top['rate']:,} reports/s, 76-province ingest "
                  f"{all76['rate']:,} reports/s")
    except Exception as exc:  # the rest of the run's figures still count
        run.notes.append(f"cluster line failed: {type(exc).__name__}: {exc}")
    finally:
        try:
            if system is not None:
                system.stop()
                system.cleanup_broker()
        finally:
            cluster.destroy()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

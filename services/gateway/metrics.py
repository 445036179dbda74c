"""Prometheus text format for what an operator watches: queue depths and consumers, reports
kept and rejected, parked messages, mails by status. Pure: the numbers come from the caller."""
from __future__ import annotations


def exposition(queues: dict[str, tuple[int, int]], reporting: dict[str, int],
               mails: dict[str, int]) -> str:
    lines = [
        "# HELP cluster_queue_messages Messages ready in a consumed queue.",
        "# TYPE cluster_queue_messages gauge",
        *(f'cluster_queue_messages{{queue="{q}"}} {n}' for q, (n, _) in sorted(queues.items())),
        "# HELP cluster_queue_consumers Consumers attached to a queue (0: nobody is processing it).",
        "# TYPE cluster_queue_consumers gauge",
        *(f'cluster_queue_consumers{{queue="{q}"}} {c}' for q, (_, c) in sorted(queues.items())),
        "# HELP cluster_reports_total Province reports kept in the event store.",
        "# TYPE cluster_reports_total counter",
        f"cluster_reports_total {reporting.get('reports', 0)}",
        "# HELP cluster_rejections_total Province messages rejected, with their reason.",
        "# TYPE cluster_rejections_total counter",
        f"cluster_rejections_total {reporting.get('rejections', 0)}",
        "# HELP cluster_parked_messages Messages given up on and not yet retried.",
        "# TYPE cluster_parked_messages gauge",
        f"cluster_parked_messages {reporting.get('parked_waiting', 0)}",
        "# HELP cluster_mails Mails by delivery status (failed: needs a person).",
        "# TYPE cluster_mails gauge",
        *(f'cluster_mails{{status="{s}"}} {mails.get(s, 0)}'
          for s in sorted({"pending", "held", "in_digest", "sent", "failed"} | set(mails))),
    ]
    return "\n".join(lines) + "\n"

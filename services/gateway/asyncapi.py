"""The AsyncAPI 2.6 document of the AMQP side: the province intake (``reports`` exchange) and the
facts each service publishes - generated from the topology and the marshmallow schemas, so it
cannot drift from what the services do."""
from __future__ import annotations

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.contracts import events
from services.infra import topology
from services.contracts.reports import REPORT_SCHEMAS

# The payload schema of each fact comes from the event registry (services/contracts/events.py).
EVENT_SCHEMAS = {event.name: event.schema for event in events.REGISTRY.values()}


def _json_schemas(schemas: dict) -> dict:
    """marshmallow schemas as JSON Schemas (apispec's converter)."""
    spec = APISpec(title="schemas", version="1", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    for name, schema in schemas.items():
        spec.components.schema(name, schema=schema)
    return spec.to_dict()["components"]["schemas"]


@lru_cache(maxsize=2)
def asyncapi_document(tls: bool = False) -> dict:
    """``tls``: the broker is reached over amqps:// (AMQP_URL), and the "local" server says so."""
    facts = sorted({(s.source, s.event_type) for s in topology.SUBSCRIPTIONS}
                   | {(source, event_type) for source, event_type in (
                       topology.ASSET_REGISTERED, topology.PROJECT_BEHIND_SCHEDULE)})
    names = {f"{kind.capitalize()}Report": schema for kind, schema in REPORT_SCHEMAS.items()}
    names.update({schema.__name__: schema for schema in set(EVENT_SCHEMAS.values())})
    components = _json_schemas(names)
    channels = {
        "report.{province}.{kind}": {
            "description": "A province's report (DESIGN 3.3): published by the province's own AMQP "
                           "user to the topic exchange `reports`, with user_id = that user, "
                           "message_id = event_id, content_type application/json, persistent. "
                           "Extension (issue 26): either kind may carry internal: true - the "
                           "province marks the report not to be published outside the "
                           "government (ข้อมูลภายใน ไม่เผยแพร่สู่สาธารณะ); left out means false.",
            "parameters": {"province": {"schema": {"type": "string", "pattern": "^TH-[0-9]{2}$"}},
                           "kind": {"schema": {"type": "string", "enum": list(REPORT_SCHEMAS)}}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": "reports", "type": "topic", "durable": True, "vhost": "cluster-planning"}}},
            "publish": {"operationId": "sendReport", "summary": "a province sends a report",
                        "message": {"oneOf": [
                            {"messageId": f"{kind}_report", "name": f"{kind}_report",
                             "payload": {"$ref": f"#/components/schemas/{kind.capitalize()}Report"}}
                            for kind in REPORT_SCHEMAS]}},
        },
        "report.{agency}.project": {
            "description": "An implementing agency's project progress report (extension): "
                           "published by its own AMQP user agency.<code>, which topic permissions "
                           "allow this routing key only; the body's province names where the "
                           "project runs, and the project must be one the agency implements.",
            "parameters": {"agency": {"schema": {"type": "string",
                                                 "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$"}}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": "reports", "type": "topic", "durable": True, "vhost": "cluster-planning"}}},
            "publish": {"operationId": "sendAgencyProjectReport",
                        "summary": "an implementing agency reports one of its projects",
                        "message": {"messageId": "agency_project_report",
                                    "name": "agency_project_report",
                                    "payload": {"$ref": "#/components/schemas/ProjectReport"}}},
        },
        "gateway.report.{code}.{kind}": {
            "description": "A report sent through the gateway (extension): an upload, a dashboard "
                           "form or POST …/reports or …/project-reports, published by the "
                           "gateway's own AMQP user cluster-planning-gateway (user_id), which "
                           "topic permissions allow this route only - it holds no province's or "
                           "agency's password. {code} is the province (TH-34) or implementing "
                           "agency the report is kept for; headers x-reported-by (username) and "
                           "x-reported-by-name name the person who sent it. The intake trusts "
                           "the route only from that user and otherwise judges the body exactly "
                           "as the province's (or agency's) own message; anything else on it is "
                           "rejected, kept and listed.",
            "parameters": {"code": {"schema": {"type": "string",
                                               "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$"}},
                           "kind": {"schema": {"type": "string", "enum": list(REPORT_SCHEMAS)}}},
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": "reports", "type": "topic", "durable": True, "vhost": "cluster-planning"}}},
            "publish": {"operationId": "sendReportThroughGateway",
                        "summary": "the gateway sends a report a person gave it",
                        "message": {"oneOf": [
                            {"messageId": f"gateway_{kind}_report",
                             "name": f"gateway_{kind}_report",
                             "headers": {"type": "object", "required": ["x-reported-by"],
                                         "properties": {
                                             "x-reported-by": {"type": "string", "maxLength": 200},
                                             "x-reported-by-name": {"type": "string",
                                                                    "maxLength": 200}}},
                             "payload": {"$ref": f"#/components/schemas/{kind.capitalize()}Report"}}
                            for kind in REPORT_SCHEMAS]}},
        },
    }
    for source, event_type in facts:
        schema = EVENT_SCHEMAS.get(event_type)
        consumers = sorted(s.consumer for s in topology.SUBSCRIPTIONS
                           if (s.source, s.event_type) == (source, event_type))
        channels[f"{source}.events/{event_type}"] = {
            "description": f"published by {source}; consumed by {', '.join(consumers) or 'nobody yet'} "
                           "(quorum queues, bounded redelivery, then the `parked` queue)",
            "bindings": {"amqp": {"is": "routingKey", "exchange": {
                "name": f"{source}.events", "type": "topic", "durable": True}}},
            "subscribe": {"operationId": f"{source}_{event_type}", "summary": event_type, "message": {
                "messageId": f"{source}.{event_type}", "name": event_type,
                "payload": {"$ref": f"#/components/schemas/{schema.__name__}"} if schema
                else {"type": "object"}}},
        }
    return {"asyncapi": "2.6.0",
            "id": "urn:th:cluster-planning:amqp",
            "tags": [{"name": "province-intake"}, {"name": "service-events"}],
            "info": {"title": "Provincial cluster planning and reporting: the AMQP side",
                     "version": "1.0.0",
                     "contact": {"name": "the cluster's Office of Strategy Management (OSM)"},
                     "license": {"name": "Apache-2.0",
                                 "url": "https://www.apache.org/licenses/LICENSE-2.0"},
                     "description": "Province intake and the facts the services publish to "
                                    "each other. Every event carries event_id; delivery is at "
                                    "least once and consumers de-duplicate on it."},
            "servers": {"local": {"url": ("amqps://127.0.0.1:5671/cluster-planning" if tls
                                          else "amqp://127.0.0.1:5672/cluster-planning"),
                                  "protocol": "amqps" if tls else "amqp",
                                  "protocolVersion": "0.9.1"}},
            "defaultContentType": "application/json",
            "channels": channels, "components": {"schemas": components}}

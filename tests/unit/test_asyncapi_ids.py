"""The AsyncAPI document names every operation and every message, each id once, so code
generators and the AsyncAPI tools can refer to them (step 12: 21 operations and 22 messages had
none), and the official AsyncAPI parser (``@asyncapi/parser``) finds no error in it."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from services.gateway.asyncapi import asyncapi_document


def test_every_operation_and_message_has_an_id_of_its_own():
    operations, messages = [], []
    for name, channel in asyncapi_document()["channels"].items():
        for verb in ("publish", "subscribe"):
            operation = channel.get(verb)
            if operation is None:
                continue
            operations.append((name, operation.get("operationId")))
            message = operation["message"]
            for each in message.get("oneOf", [message]):
                messages.append((name, each.get("messageId")))
    assert operations and messages
    assert [o for o in operations if not o[1]] == [] and [m for m in messages if not m[1]] == []
    assert len({o[1] for o in operations}) == len(operations)
    assert len({m[1] for m in messages}) == len(messages)
    assert ("report.{province}.{kind}", "sendReport") in operations


def test_the_remedy_overdue_fact_is_documented_with_its_payload():
    channel = asyncapi_document()["channels"]["reporting.events/remedy_overdue"]
    assert channel["subscribe"]["message"]["payload"] == {"$ref": "#/components/schemas/RemedyOverdue"}
    assert "notify" in channel["description"]
    item = asyncapi_document()["components"]["schemas"]["ProjectReport"]["properties"]["problem_items"]
    assert item["type"] == "array"


def test_both_report_payloads_document_the_optional_internal_mark():
    document = asyncapi_document()
    for name in ("IndicatorReport", "ProjectReport"):
        schema = document["components"]["schemas"][name]
        assert schema["properties"]["internal"]["type"] == "boolean", name
        assert "ไม่เผยแพร่สู่สาธารณะ" in schema["properties"]["internal"]["description"]
        assert "internal" not in schema.get("required", [])
    assert "internal: true" in document["channels"]["report.{province}.{kind}"]["description"]


def test_the_asset_disposed_fact_is_documented_with_its_decision():
    document = asyncapi_document()
    channel = document["channels"]["assets.events/asset_disposed"]
    assert channel["subscribe"]["message"]["payload"] == {"$ref": "#/components/schemas/AssetDisposed"}
    assert "notify" in channel["description"]
    assert "disposal" in document["components"]["schemas"]["AssetDisposed"]["required"]


PARSER_DIR = Path(__file__).resolve().parents[1] / "asyncapi"


@pytest.mark.skipif(shutil.which("node") is None or
                    not (PARSER_DIR / "node_modules" / "@asyncapi" / "parser").is_dir(),
                    reason="no node or no AsyncAPI parser (make test installs them: deploy/setup.sh)")
def test_the_official_asyncapi_parser_finds_no_error(tmp_path):
    document = tmp_path / "asyncapi.json"
    document.write_text(json.dumps(asyncapi_document()), "utf-8")
    parsed = subprocess.run(["node", str(PARSER_DIR / "check.mjs"), str(document)], cwd=PARSER_DIR,
                            capture_output=True, text=True, timeout=120)
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    assert not [line for line in parsed.stdout.splitlines() if line.startswith("error")]


def test_the_local_server_follows_the_brokers_scheme():
    assert asyncapi_document()["servers"]["local"]["url"].startswith("amqp://127.0.0.1:5672/")
    tls = asyncapi_document(tls=True)["servers"]["local"]
    assert (tls["url"], tls["protocol"]) == ("amqps://127.0.0.1:5671/cluster-planning", "amqps")

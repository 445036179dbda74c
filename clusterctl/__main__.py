"""clusterctl - the operator's command line. ``python -m clusterctl --help``."""
from __future__ import annotations

import argparse
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # printed at every start

from .runner import SetupError, check_broker, rebuild, run
from .settings import Settings, SettingsError


def agency_login_note(settings: Settings, code: str, entry: dict) -> str:
    """Provision the agency's AMQP user on a running broker (it may report its projects at
    once); otherwise the next start provisions it."""
    from .broker import BrokerError, Management, provision_agency
    try:
        provision_agency(Management(settings.broker), settings.vhost, code,
                         entry["amqp_username"], entry["amqp_password"])
    except BrokerError as exc:
        return (f"clusterctl: AMQP user {entry['amqp_username']} is in credentials.json; the "
                f"broker was not reached ({exc}), so the next start provisions it")
    return (f"clusterctl: AMQP user {entry['amqp_username']} may publish "
            f"report.{code}.project to exchange 'reports'")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="clusterctl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="set up and run the whole system in the foreground (make run)")
    check = commands.add_parser("broker-check", help="is the RabbitMQ management API usable?")
    check.add_argument("--quiet", action="store_true")
    commands.add_parser("smtp-sink", help="local SMTP server writing .eml files", add_help=False)
    commands.add_parser("rebuild", help="rebuild every reporting view from the event store "
                                        "(the system must be running: make run)")
    parked = commands.add_parser("parked", help="messages a service gave up on: list, show, "
                                                "retry one after the cause is fixed")
    parked.add_argument("action", choices=("list", "show", "retry"))
    parked.add_argument("parked_id", nargs="?")
    outbox = commands.add_parser("outbox", help="outbox events the broker routed to no queue, "
                                                "kept and tried again every 5 minutes")
    outbox.add_argument("action", choices=("held",))
    serve = commands.add_parser("serve", help="run one process of a service, configured from "
                                               "the environment (what a container runs)")
    serve.add_argument("service", help="plans, reporting, assets, notify or gateway")
    probe = commands.add_parser("probe", help="exit 0 while a service process started by "
                                               "'serve' is alive (container probes)")
    probe.add_argument("service")
    secrets = commands.add_parser("secrets", help="generate a deployment's credentials.json, "
                                                   "RabbitMQ definitions.json and services.env")
    secrets.add_argument("directory", help="where to write them (kept out of git; mode 600)")
    secrets.add_argument("--amqp-host", default="rabbitmq",
                         help="the broker's name for the services (its TLS certificate names it)")
    secrets.add_argument("--public-amqp-host", default=None,
                         help="the broker's name for the provinces (credentials.json's amqp_url, "
                              "amqps://HOST:5671); default: --amqp-host")
    secrets.add_argument("--vhost", default="cluster-planning")
    secrets.add_argument("--mongo-url", default="mongodb://mongo-1:27017,mongo-2:27017,"
                                                "mongo-3:27017/cluster_planning?replicaSet=rs0")
    secrets.add_argument("--smtp-url", default="smtp://mailpit:1025")
    secrets.add_argument("--public-url", default="https://localhost")
    report = commands.add_parser("report", help="send a province's reports from a filled "
                                                 "workbook or CSV (checked first; all or none)")
    report.add_argument("file", help="the filled reporting workbook (.xlsx) or a CSV")
    report.add_argument("--province", required=True, help="e.g. TH-34")
    report.add_argument("--plan", help="the plan (read from the workbook; needed for a CSV "
                                       "when the key sees several plans)")
    report.add_argument("--credentials", help="the province's credentials (JSON); default "
                                              "$DATA_DIR/credentials.json")
    report.add_argument("--api", help="the gateway's address (default PUBLIC_URL)")
    report.add_argument("--dry-run", action="store_true", help="check only; send nothing")
    report.add_argument("--timeout", type=float, default=120,
                        help="seconds to wait for every report to be accepted or rejected")
    commands.add_parser("load-reference", help="load the clusters and provinces (REFERENCE_CSV) "
                                               "and the shipped national strategy hierarchy "
                                               "into a running deployment's plans service")
    national = commands.add_parser("national", help="the national strategy hierarchy of a "
                                                    "running deployment: 'national list' its "
                                                    "versions, 'national load DIR' a new one "
                                                    "from a folder of CSV files (all or none)")
    national.add_argument("action", choices=("load", "list"))
    national.add_argument("directory", nargs="?", help="load: the folder of .csv files "
                                                       "(clusterctl/data/reference/national/"
                                                       "README.md)")
    national.add_argument("--whole", action="store_true", help="load: the new version is "
                          "exactly the folder's files (default: they join those of the version "
                          "loaded last, a file of the same name replacing it)")
    national.add_argument("--check", action="store_true", help="load: check only; load nothing")
    sample = commands.add_parser("sample", help="the sample data make run loads (a past fiscal "
                                                "year of the sample plan): 'sample remove' takes "
                                                "it out of the running system")
    sample.add_argument("action", choices=("remove",))
    agency = commands.add_parser("agency-key", help="print an agency's API key (created if it "
                                                    "has none; the gateway picks it up at once) "
                                                    "and give it an AMQP login agency.<code> to "
                                                    "report its projects")
    agency.add_argument("code", help="the agency's code in the agencies directory")
    commands.add_parser("admin-link", help="print a one-time link to set the password of the "
                                           "account 'admin' (made if missing): the first admin, "
                                           "or a lost admin password")
    args, rest = parser.parse_known_args(argv)

    if args.command == "smtp-sink":
        from .smtp_sink import main as sink_main
        return sink_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        if args.command == "probe":
            from .deploy import main_probe
            return main_probe(args.service)
        if args.command == "serve":
            from .deploy import serve as serve_command
            return serve_command(args.service)
        if args.command == "report":
            from .report import ReportError, run as report_run
            try:
                return report_run(args, Settings.from_env())
            except ReportError as exc:
                print(f"clusterctl report: {exc}", file=sys.stderr)
                return 2
        if args.command == "load-reference":
            from .deploy import load_reference
            print(load_reference())
            return 0
        if args.command == "secrets":
            from pathlib import Path

            from .deploy import write_secrets
            from .runner import read_clusters
            written = write_secrets(Path(args.directory), read_clusters(Settings.from_env({})),
                                    args.amqp_host, args.vhost, args.mongo_url, args.smtp_url,
                                    args.public_url, args.public_amqp_host)
            print("\n".join(f"wrote {path}" for path in written))
            return 0
        settings = Settings.from_env()
        if args.command == "broker-check":
            version = check_broker(settings)
            if not args.quiet:
                print(f"RabbitMQ {version} management API ok at {settings.broker.management_url}")
            return 0
        if args.command == "rebuild":
            return rebuild(settings)
        if args.command == "sample":
            from .runner import say
            from .sample_year import remove_command
            return remove_command(settings, say)
        if args.command == "national":
            from pathlib import Path

            from .national import list_versions, load as national_load
            if args.action == "list":
                return list_versions(settings)
            if not args.directory:
                raise SetupError("'national load' needs the folder of .csv files")
            return national_load(settings, Path(args.directory), not args.whole, args.check)
        if args.command == "parked":
            from .runner import parked as parked_command
            return parked_command(settings, args.action, args.parked_id)
        if args.command == "outbox":
            from .runner import held_outbox_events
            return held_outbox_events(settings)
        if args.command == "agency-key":
            from .audit import keep
            from .credentials import add_agency_key, issued_keys
            try:
                had = issued_keys(settings.credentials_path)
                key, entry = add_agency_key(settings.credentials_path, args.code,
                                            settings.user_prefix)
            except (FileNotFoundError, ValueError) as exc:
                raise SetupError(str(exc)) from None
            if f"agency:{args.code}" not in had:  # a new key: the operator's act, kept
                keep(settings, "key.issue", f"agency:{args.code}", {"role": "agency"})
            print(key)
            print(agency_login_note(settings, args.code, entry), file=sys.stderr)
            return 0
        if args.command == "admin-link":
            from .first_admin import admin_link
            link, expires = admin_link(settings, always=True)
            from .audit import keep
            keep(settings, "user.reset", "admin", {"username": "admin", "expires": expires})
            print(link)
            print(f"one use, until {expires} (earlier links no longer work); it signs nobody in "
                  "by itself: it sets the password of the account 'admin'", file=sys.stderr)
            return 0
        return run(settings)
    except (SettingsError, SetupError) as exc:
        print(f"clusterctl: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C before anything was started
        print("clusterctl: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

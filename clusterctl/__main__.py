"""clusterctl - the operator's command line. ``python -m clusterctl --help``."""
from __future__ import annotations

import argparse
import sys
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")  # printed at every start

from .runner import SetupError, check_broker, rebuild, run
from .settings import Settings, SettingsError


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
    agency = commands.add_parser("agency-key", help="print an agency's API key (created if it "
                                                    "has none; the gateway picks it up at once)")
    agency.add_argument("code", help="the agency's code in the agencies directory")
    args, rest = parser.parse_known_args(argv)

    if args.command == "smtp-sink":
        from .smtp_sink import main as sink_main
        return sink_main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        settings = Settings.from_env()
        if args.command == "broker-check":
            version = check_broker(settings)
            if not args.quiet:
                print(f"RabbitMQ {version} management API ok at {settings.broker.management_url}")
            return 0
        if args.command == "rebuild":
            return rebuild(settings)
        if args.command == "parked":
            from .runner import parked as parked_command
            return parked_command(settings, args.action, args.parked_id)
        if args.command == "agency-key":
            from .credentials import add_agency_key
            try:
                print(add_agency_key(settings.credentials_path, args.code))
            except (FileNotFoundError, ValueError) as exc:
                raise SetupError(str(exc)) from None
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

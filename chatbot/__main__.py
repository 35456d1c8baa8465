"""`python -m chatbot COMMAND`: the commands behind `./run`."""
import argparse
import logging
import os
import signal
import sys

from . import rasa_process
from .config import Config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="./run", description="Deepfake blackmail help assistant")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("start", help="train if needed, start Rasa and the web service (default)")
    sub.add_parser("serve", help="start only the web service (Rasa runs elsewhere)")
    sub.add_parser("rasa", help="start only the Rasa server")
    sub.add_parser("train", help="train the model if the training data changed")
    sub.add_parser("check", help="check every content file renders")
    sub.add_parser("purge", help="erase conversations older than the retention period")
    accounts = sub.add_parser("counsellor", help="counsellor accounts for the console (/console)")
    accounts.add_argument("action", choices=("add", "password", "disable", "enable", "list"))
    accounts.add_argument("username", nargs="?")
    accounts.add_argument("--role", choices=("counsellor", "supervisor"), default="counsellor")
    accounts.add_argument("--password-stdin", action="store_true",
                          help="read the password from the first line of standard input (scripts)")
    sub.add_parser("sms-sim", help="text a running instance (CHATBOT_SMS_SIMULATOR=1) by SMS, simulated",
                   add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "sms-sim":
        from .sms.simulator import main as simulate

        return simulate(rest)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config.from_env()
    command = args.command or "start"

    if command == "check":
        from .content import Content

        from .sms.render import check_budget

        content = Content(config.content_dir, config.retention_days)
        problems = content.check()
        problems += [] if problems else check_budget(content, config.sms_segment_budget)
        for problem in problems:
            print(f"- {problem}")
        print("content OK" if not problems else f"{len(problems)} problem(s) in content/")
        return 1 if problems else 0
    if command == "counsellor":
        return _counsellor(config, args)
    if command == "train":
        print(rasa_process.train(config))
        return 0
    if command == "purge":
        from .storage import Store

        store = Store(config.database_url, config.tracker_database_url)
        print(f"erased {store.erase_older_than(config.retention_days)} conversation(s)")
        return 0
    if command == "rasa":
        return rasa_process.start(config, rasa_process.train(config)).wait()

    from .app import serve

    if command == "serve":
        serve(config)
        return 0
    rasa = rasa_process.start(config, rasa_process.train(config))
    print(f"Assistant on http://{config.host}:{config.port} (Rasa is loading; until it is ready "
          "users get the helplines). Ctrl-C stops everything.", flush=True)
    try:
        serve(config)
    finally:
        if rasa.poll() is None:
            os.killpg(rasa.pid, signal.SIGTERM)
            try:
                rasa.wait(timeout=15)
            except Exception:
                os.killpg(rasa.pid, signal.SIGKILL)
    return 0


def _counsellor(config: Config, args) -> int:
    import getpass

    from .console import Accounts
    from .console.auth import AccountError
    from .storage import Store

    store = Store(config.database_url, config.tracker_database_url)
    store.create_all()
    accounts = Accounts(store, config.console_idle_minutes)
    if args.action == "list":
        for counsellor in accounts.list():
            print(f"{counsellor.username}\t{counsellor.role}\t{'active' if counsellor.active else 'disabled'}")
        return 0
    if not args.username:
        print("a username is needed", file=sys.stderr)
        return 2
    try:
        if args.action in ("add", "password"):
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass("Password (12 characters or more): ")
                if getpass.getpass("The same again: ") != password:
                    print("the two passwords differ", file=sys.stderr)
                    return 1
            if args.action == "add":
                accounts.create(args.username, password, args.role)
            else:
                accounts.set_password(args.username, password)
        else:
            accounts.set_active(args.username, args.action == "enable")
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{args.action}: {args.username} done")
    return 0


if __name__ == "__main__":
    sys.exit(main())

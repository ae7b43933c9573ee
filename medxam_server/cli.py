"""``medxam-server``: serve, migrate and administer the central server."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Sequence

from medxam_server import __version__
from medxam_server.config import get_settings
from medxam_server.db.session import make_engine, make_session_factory, transaction
from medxam_server.migrate import upgrade
from medxam_server.services.accounts import auth
from medxam_server.services.demo import past_sitting, seed
from medxam_server.services.errors import ServiceError

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PASSWORD_ENV = "MEDXAM_PASSWORD"
MIN_PASSWORD_LENGTH = 8


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medxam-server", description=__doc__)
    parser.add_argument("--version", action="version", version=f"medxam-server {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate first")

    demo_command = commands.add_parser("demo", help="migrate, load the demo exam, then serve")
    demo_command.add_argument("--host", default="127.0.0.1")
    demo_command.add_argument("--port", type=int, default=8765)

    commands.add_parser("migrate", help="bring the database schema up to date")

    create_user = commands.add_parser(
        "create-user",
        help=f"create an admin or proctor (password from a prompt or {PASSWORD_ENV})",
    )
    create_user.add_argument("--username", required=True)
    create_user.add_argument("--role", choices=auth.ROLES, required=True)
    create_user.add_argument("--full-name", help="defaults to the username")
    return parser


def _migrate() -> None:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    engine.dispose()
    log.info("database schema is up to date")


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    # The client address (sign-in throttle) comes from X-Forwarded-For only when the
    # peer is a proxy named in MEDXAM_FORWARDED_ALLOW_IPS; by default no header is trusted.
    forwarded = get_settings().forwarded_allow_ips.strip()
    uvicorn.run(
        "medxam_server.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=getattr(args, "workers", 1),
        log_level="info",
        proxy_headers=bool(forwarded),
        forwarded_allow_ips=forwarded or None,
    )


def _password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise SystemExit(f"No terminal to ask for the password: set {PASSWORD_ENV}.")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise SystemExit("The passwords do not match.")
    return first


def _create_user(args: argparse.Namespace) -> int:
    password = _password()
    if len(password) < MIN_PASSWORD_LENGTH:
        print(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.", file=sys.stderr)
        return 1
    _migrate()
    engine = make_engine(get_settings().resolved_database_url())
    try:
        with transaction(make_session_factory(engine)) as session:
            user = auth.create_user(
                session,
                username=args.username,
                password=password,
                full_name=args.full_name or args.username,
                role=args.role,
            )
            user_id = user.id
    except ServiceError as exc:
        print(f"Could not create the user: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Created {args.role} {args.username!r} (id {user_id}).")
    return 0


def _load_demo() -> None:
    engine = make_engine(get_settings().resolved_database_url())
    try:
        with transaction(make_session_factory(engine)) as session:
            info = seed.load_demo(session)
            past_sitting.load_demo_results(
                session, exam_id=info.exam_id, secret=get_settings().resolved_secret()
            )
    finally:
        engine.dispose()
    users = " or ".join(repr(name) for name, _, _, _ in seed.DEMO_USERS)
    log.info("demo loaded: sign in as %s (passwords in README.md)", users)
    log.info("demo delivery %s start code: %s", info.delivery_id, info.start_code)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    args = _parser().parse_args(argv)
    if args.command == "create-user":
        return _create_user(args)
    if args.command == "migrate":
        _migrate()
    elif args.command == "demo":
        _migrate()
        _load_demo()
        _serve(args)
    elif args.command == "serve":
        if not args.no_migrate:
            _migrate()
        _serve(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

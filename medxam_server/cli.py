"""``medxam-server``: serve, migrate and administer the central server."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from medxam_server import __version__
from medxam_server.config import get_settings
from medxam_server.db import make_engine
from medxam_server.migrate import upgrade

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medxam-server", description=__doc__)
    parser.add_argument("--version", action="version", version=f"medxam-server {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true", help="do not migrate first")

    demo = commands.add_parser("demo", help="migrate, load the demo exam, then serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8765)

    commands.add_parser("migrate", help="bring the database schema up to date")
    return parser


def _migrate() -> None:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    engine.dispose()
    log.info("database schema is up to date")


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    if not getattr(args, "no_migrate", False):
        _migrate()
    uvicorn.run(
        "medxam_server.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=getattr(args, "workers", 1),
        log_level="info",
    )


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = _parser().parse_args(argv)
    if args.command == "serve" or args.command == "demo":
        _serve(args)
    elif args.command == "migrate":
        _migrate()
    return 0


if __name__ == "__main__":
    sys.exit(main())

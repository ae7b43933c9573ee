"""``medxam-desktop``: parse the command line, then hand over to the composition root.

Qt is imported only when a window is needed, so ``--version`` stays instant.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from medxam_desktop import __version__
from medxam_desktop.config import DEFAULT_SERVER_URL

_SUBCOMMANDS = ("sync", "status", "export-bundle")
COMMANDS_HELP = """commands (no window; each takes --server-url and --data-dir, and -h):
  sync           send everything queued to the server, then exit
  status         what is queued, sent, confirmed and quarantined (--json)
  export-bundle  write a signed USB bundle file when the network never comes back

examples:
  medxam-desktop                         open the workstation window
  medxam-desktop status
  medxam-desktop export-bundle /media/usb
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="medxam-desktop",
        description="MedXam exam workstation. Without a command it opens the window.",
        epilog=COMMANDS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"medxam-desktop {__version__}")
    _add_location_options(parser)
    return parser


def _add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server-url",
        default=None,
        help=f"server to sync with (default: $MEDXAM_SERVER_URL or {DEFAULT_SERVER_URL})",
    )
    parser.add_argument("--data-dir", default=None, help="where the local store lives")


def subcommand(arguments: Sequence[str]) -> str | None:
    """The subcommand (sync, status, export-bundle) when the first positional argument
    names one; ``None`` for the window. An option's value is never taken for a
    subcommand (``--data-dir status`` is a data directory called "status")."""
    parser = argparse.ArgumentParser(prog="medxam-desktop", add_help=False, exit_on_error=False)
    _add_location_options(parser)
    parser.add_argument("command", nargs="?")
    try:
        known, _rest = parser.parse_known_args(list(arguments))
    except argparse.ArgumentError:
        return None  # e.g. "--data-dir" with no value: the window's parser says so
    return known.command if known.command in _SUBCOMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if subcommand(arguments) is not None:
        from medxam_desktop.cli import main as run_command  # no Qt for scripted sync

        return run_command(arguments)
    args = build_parser().parse_args(arguments)
    from medxam_desktop.app import run

    # Everything imported so far (Qt, SQLAlchemy, ...) lives as long as the program: keep
    # it out of the cyclic GC, whose full passes would otherwise stall the UI thread for
    # 100+ ms during a long sync (measured by bench/b6_drain.py).
    gc.collect()
    gc.freeze()
    return run(server_url=args.server_url, data_dir=args.data_dir)


if __name__ == "__main__":
    sys.exit(main())

"""``cselab``: the command-line entry point.

Each command lives in its own module and only parses arguments and calls the library.
Errors caused by bad input (:class:`cselab.errors.CselabError`) are printed as one line
naming the input, with exit status 2, never as a traceback; so is a file-system error on
a path the user gave (an output path that is a file, a folder that cannot be written).
Warnings (a table line cut short, a stale lock taken over) are one ``warning:`` line each.
Every command that writes an output checks and locks it before any work
(:mod:`cselab.cli.output_guard`).
A training run stopped by SIGTERM / SIGINT prints one line and exits with 143 / 130.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable
from typing import Any

import typer

import cselab
from cselab.cli import (
    compare_cmd,
    dynamics_cmd,
    evaluate_cmd,
    geometry_cmd,
    gradients_cmd,
    report_cmd,
    sweep_cmd,
    train_cmd,
)
from cselab.cli.common_options import with_common_options
from cselab.cli.output_guard import guarded
from cselab.errors import CselabError
from cselab.io.output_paths import FILE, FOLDER
from cselab.training.preemption import RunStopped

app = typer.Typer(
    name="cselab",
    help="Contrastive sentence-representation learning: train, measure, explain, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
#: name -> the command, its output locked and checked before any work (train locks its run
#: folder in the library, since the folder comes from its config).
COMMANDS: dict[str, Callable[..., Any]] = {
    "geometry": guarded(geometry_cmd.geometry, "out", FOLDER),
    "compare": guarded(compare_cmd.compare, "out", FOLDER),
    "gradients": guarded(gradients_cmd.gradients, "out", FOLDER),
    "train": train_cmd.train,
    "sweep": guarded(sweep_cmd.sweep, "out", FOLDER),
    "dynamics": guarded(dynamics_cmd.dynamics, "out", FOLDER),
    "evaluate": guarded(evaluate_cmd.evaluate, "out", FILE),
    "report": guarded(guarded(report_cmd.report, "out", FILE), "figures", FOLDER),
}
for _name, _command in COMMANDS.items():
    app.command(_name, epilog=getattr(_command, "epilog", None))(with_common_options(_command))


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"cselab {cselab.__version__}")
        raise typer.Exit()


@app.callback()
def cselab_options(
    version: bool = typer.Option(
        False, "--version", callback=show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Contrastive sentence-representation learning: train, measure, explain, evaluate."""


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn :class:`CselabError` and file-system errors on a named path into a
    one-line message and exit status 2."""
    try:
        with warnings.catch_warnings():
            warnings.showwarning = one_line_warning
            app(args=argv)
    except CselabError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except RunStopped as exc:  # SIGTERM / SIGINT: checkpoint written, 128 + signal
        typer.secho(str(exc), fg=typer.colors.YELLOW, err=True)
        sys.exit(exc.exit_status)
    except OSError as exc:
        if exc.filename is None:  # not about a path the user gave: a real failure
            raise
        typer.secho(f"error: {path_error(exc)}", fg=typer.colors.RED, err=True)
        sys.exit(2)


def one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Show a warning as one ``warning: ...`` line (no source path, no code line)."""
    typer.secho(f"warning: {message}", fg=typer.colors.YELLOW, err=True)


def path_error(exc: OSError) -> str:
    """``'PATH': reason`` (``'PATH' -> 'OTHER'`` for a rename) from a file-system error."""
    where = repr(str(exc.filename))
    if exc.filename2 is not None:
        where += f" -> {str(exc.filename2)!r}"
    return f"{where}: {exc.strerror or exc}"


if __name__ == "__main__":
    main()

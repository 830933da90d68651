"""``cselab``: the command-line entry point.

Each command lives in its own module and only parses arguments and calls the library.
Errors caused by bad input (:class:`cselab.errors.CselabError`) are printed as one line
naming the input, with exit status 2, never as a traceback.
"""

from __future__ import annotations

import sys

import typer

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
from cselab.errors import CselabError

app = typer.Typer(
    name="cselab",
    help="Contrastive sentence-representation learning: train, measure, explain, evaluate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("geometry")(geometry_cmd.geometry)
app.command("compare")(compare_cmd.compare)
app.command("gradients")(gradients_cmd.gradients)
app.command("train")(train_cmd.train)
app.command("sweep")(sweep_cmd.sweep)
app.command("dynamics")(dynamics_cmd.dynamics)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("report")(report_cmd.report)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn :class:`CselabError` into a one-line message and exit status 2."""
    try:
        app(args=argv)
    except CselabError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()

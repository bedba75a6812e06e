"""The `bookgen` command. Heavy imports stay inside the commands so `bookgen --help` is fast."""

from __future__ import annotations

import click

from bookgen import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bookgen")
def main() -> None:
    """bookgen: personalized books written by LLMs."""


def _register() -> None:
    from bookgen.cli.book import generate, schema, stats
    from bookgen.cli.cloud import cloud
    from bookgen.cli.serve import api_key, serve
    from bookgen.cli.worker import worker
    from bookgen.cli.workflow import workflow

    for command in (workflow, generate, stats, schema, cloud, worker, serve, api_key):
        main.add_command(command)


_register()

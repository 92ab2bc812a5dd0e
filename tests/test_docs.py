"""The docs document every command, option and exit code the app has (sqlite-utils' habit):
README.md is the guide, docs/<command>.md each command's full reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from bjob.cli.app import app
from bjob.support.exits import ExitCode
from tests.conftest import REPO

README_PATH = REPO / "README.md"
README = README_PATH.read_text()
DOCS = REPO / "docs"
GROUP = typer.main.get_group(app)
COMMANDS = sorted(GROUP.commands)
PAGES = sorted([README_PATH, *DOCS.glob("*.md")])
# Written at the same time on another branch (issue 25's bjob.Client); the README already
# points to it. Once it is merged this name does nothing and can go.


def options(command: str) -> set[str]:
    """Every option name of the command, short and long, as click parses them."""
    params = GROUP.commands[command].params
    names = {name for param in params for name in (*param.opts, *param.secondary_opts)}
    return {name for name in names if name.startswith("-")} - {"--help", "-h"}


def option_cells(text: str) -> str:
    """The first cells of every table row: where an options table names its options."""
    return "\n".join(re.findall(r"^\|([^|\n]*)\|", text, re.MULTILINE))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation gone, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    without_code = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return {slug(title) for title in re.findall(r"^#+ (.+)$", without_code, re.MULTILINE)}


def links(text: str) -> list[str]:
    """Relative link and image targets of a Markdown text (not web addresses)."""
    without_code = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    targets = re.findall(r"\]\(([^)\s]+)\)", without_code)
    return [target for target in targets if not re.match(r"[a-z]+:", target)]


def test_the_app_has_commands() -> None:
    assert {"show", "list", "watch", "submit", "stop"} <= set(COMMANDS)
    assert {"--json", "--query", "--raw", "--watch", "-w"} <= options("show")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_a_row_in_its_commands_page(command: str) -> None:
    page = DOCS / f"{command}.md"
    assert page.is_file(), f"docs/{command}.md is missing"
    text = page.read_text()
    assert text.startswith(f"# `bjob {command}`\n"), f"docs/{command}.md: title"
    cells = option_cells(text)
    rows = {option: rf"`{re.escape(option)}\b(?!-)" for option in options(command)}
    missing = sorted(option for option, row in rows.items() if not re.search(row, cells))
    assert not missing, f"docs/{command}.md has no options-table row for {missing}"


@pytest.mark.parametrize("command", COMMANDS)
def test_the_readme_tours_every_command(command: str) -> None:
    assert f"### `bjob {command}`" in README
    assert f"(docs/{command}.md)" in README


def test_every_exit_code_has_a_row_in_the_readme() -> None:
    missing = [code for code in ExitCode if not re.search(rf"^\| {int(code)} \|", README, re.M)]
    assert not missing, missing


def test_every_code_in_the_readme_table_exists() -> None:
    table = {int(code) for code in re.findall(r"^\| (\d+) \|", README, re.MULTILINE)}
    assert table == {int(code) for code in ExitCode}


def test_the_readme_is_a_guide_of_at_most_300_lines() -> None:
    assert len(README.splitlines()) <= 300


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(REPO)))
def test_every_relative_link_resolves(page: Path) -> None:
    text = page.read_text()
    broken = []
    for target in links(text):
        path, _, anchor = target.partition("#")
        goal = (page.parent / path).resolve() if path else page
        if not goal.exists():
            broken.append(target)
        elif anchor and goal.suffix == ".md" and anchor not in anchors(goal.read_text()):
            broken.append(target)
    assert not broken, f"{page.relative_to(REPO)}: {broken}"


def test_the_readme_links_every_docs_page() -> None:
    linked = {target.partition("#")[0] for target in links(README)}
    pages = {f"docs/{page.name}" for page in DOCS.glob("*.md")}
    assert not pages - linked, sorted(pages - linked)
    assert any(target.startswith("docs/") for target in linked)


def test_the_link_helpers() -> None:
    assert links("[a](docs/x.md#y) ![b](b.svg) [web](https://x.org)\n```\n[c](z.md)\n```") == [
        "docs/x.md#y",
        "b.svg",
    ]
    assert slug("Runs: `run:NAME`") == "runs-runname"
    assert slug("Exits, unreadable lines, the manifest") == "exits-unreadable-lines-the-manifest"
    assert anchors("# `bjob check`\n## What it will cost\n") == {"bjob-check", "what-it-will-cost"}

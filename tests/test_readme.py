"""The README: the two commands come first, every link and image it names exists, and the
performance page it links names every benchmark."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_two_commands_come_first() -> None:
    first_block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert first_block, "README has no shell block"
    lines = [ln.split("#")[0].strip() for ln in first_block.group(1).splitlines() if ln.strip()]
    assert lines == ["make demo", "make test"]
    assert README.index("## Two commands") < README.index("## What happens to the data")


def test_every_relative_link_and_image_exists() -> None:
    targets = re.findall(r"\]\(([^)#\s]+)", README)
    local = [t for t in targets if not re.match(r"[a-z]+:", t)]
    assert len(local) >= 10
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []


def test_makefile_has_the_commands_the_readme_names() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("demo", "test", "lint", "bench"):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_performance_page_names_every_benchmark() -> None:
    page = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    benches = sorted(p.name for p in (ROOT / "bench").glob("*.py"))
    assert len(benches) >= 5
    assert [b for b in benches if f"`bench/{b}`" not in page] == []
    assert "(docs/performance.md)" in README

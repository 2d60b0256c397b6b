"""The package's metadata, the changelog and the install page agree with each other."""

import re
from pathlib import Path

import pytest

import sklearn_aae

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_changelog_has_an_unreleased_section_and_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert headings[0] == "Unreleased"
    assert sklearn_aae.__version__ in headings


def test_the_install_page_lists_every_extra():
    extras = set(_pyproject()["project"]["optional-dependencies"])
    page = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([\w-]+)` \|", page, re.MULTILINE))
    assert listed == extras


def test_the_torch_pin_is_in_the_constraints_file():
    # Every install of the project goes through constraints.txt, so that pip takes the
    # CPU build of this torch instead of the newest release with its CUDA packages.
    pins = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==\d+\.\d+\.\d+$", pins, re.MULTILINE)
    assert (ROOT / "MANIFEST.in").read_text(encoding="utf-8").count("constraints.txt") == 1

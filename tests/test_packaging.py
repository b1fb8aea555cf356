"""A non-editable install works from outside the checkout (issue 11, item 9).

The wheel is built from the package's own files, installed (without its
dependencies: they come from this test run's environment, offline) into a
fresh virtual environment, and used from an empty directory: the migrations
run, the demo data loads, and texts and staff pages come out translated. So the
catalogs and the migrations ship as package data and are found relative to the
package, never to the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the built wheel, its dependencies borrowed from this environment."""
    base = tmp_path_factory.mktemp("packaging")
    # Build from a copy of what the wheel is made of: nothing left behind in the checkout.
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "companion",
        source / "companion",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "instance"),
    )
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(source)], base, env)
    (wheel,) = (base / "dist").glob("companion-*.whl")

    target = base / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    install = ["install", "-q", "--no-deps", "--no-index", "--target", site, str(wheel)]
    _run([*pip, *install], base, env)
    # The dependencies: this environment's site-packages as a plain path (its .pth
    # files, such as an editable install of companion itself, are not run).
    deps = sysconfig.get_paths()["purelib"]
    (Path(site) / "zz_companion_dependencies.pth").write_text(deps + "\n", encoding="utf-8")
    return python


def _clean_env(tmp: Path, **values: str) -> dict[str, str]:
    """No PYTHONPATH, no .env, no checkout: only what a deployment would set."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp), **values}


def test_an_installed_wheel_migrates_seeds_and_translates_from_elsewhere(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = f"sqlite:///{tmp_path / 'companion.sqlite3'}"
    flask = [str(installed), "-m", "flask", "--app", "companion"]

    where = _run(
        [str(installed), "-c", "import companion; print(companion.__file__)"],
        elsewhere, _clean_env(tmp_path),
    ).strip()
    assert str(installed.parent.parent) in where
    assert str(ROOT) not in where

    upgraded = _run(
        [*flask, "db", "upgrade"],
        elsewhere,
        _clean_env(tmp_path, DATABASE_URL=database, SECRET_KEY="packaging-test-" + "k" * 32),
    )
    assert "Running upgrade" in upgraded

    seeded = _run(
        [*flask, "seed-demo", "--password", "something-long-enough"],
        elsewhere,
        _clean_env(tmp_path, DATABASE_URL=database, COMPANION_ENV="development"),
    )
    assert "provider@demo.invalid" in seeded

    check = """
from companion.messaging.compose import render
from companion.messaging.i18n import shipped_languages, translations_for
from companion.messaging.texts import TEAM
from companion.messaging.words import languages

assert len(shipped_languages()) >= 10, shipped_languages()
assert set(languages()) >= set(shipped_languages()), languages()
assert translations_for("es").gettext(TEAM) != TEAM
english = render("checkin_prompt", "en", {"name": "Ana", "topic": "stress"}).body
spanish = render("checkin_prompt", "es", {"name": "Ana", "topic": "stress"}).body
assert spanish != english, spanish
assert translations_for("es", "web").gettext("Sign in") != "Sign in"
print(spanish)
"""
    printed = _run([str(installed), "-c", check], elsewhere, _clean_env(tmp_path))
    assert "Ana" in printed
    assert list(elsewhere.iterdir()) == []

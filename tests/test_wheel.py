"""The built wheel installs one top-level package, ``polyverify``, and nothing else; installed,
it runs from a folder that holds a user's own ``theory.py``, ``verify.py`` and ``numerics.py``.

The repository keeps the folders ``theory/``, ``numerics/`` and ``verify/``; pyproject's
package-dir maps them to ``polyverify.theory``, ``polyverify.numerics`` and ``polyverify``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
META = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FOLDERS = {"verify": "polyverify", "theory": "polyverify/theory", "numerics": "polyverify/numerics"}


def _offline_build_possible() -> bool:
    """setuptools >= 70.1 builds wheels itself; older ones need the wheel package."""
    try:
        import setuptools
    except ImportError:
        return False
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None and major >= 68


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the sources (the checkout gets no build/ or egg-info)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(src)]
    if _offline_build_possible():
        cmd.insert(4, "--no-build-isolation")
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    (whl,) = out.glob("polyverify-*.whl")
    return whl


def test_nothing_but_polyverify_lands_at_the_top_of_site_packages(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    version = META["project"]["version"]
    assert {n.split("/")[0] for n in names} == {"polyverify", f"polyverify-{version}.dist-info"}
    # every source file of the three folders is in the wheel, under polyverify
    expected = {
        f"{dest}/{p.relative_to(ROOT / folder).as_posix()}"
        for folder, dest in FOLDERS.items()
        for p in (ROOT / folder).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert expected <= set(names), sorted(expected - set(names))
    assert not [n for n in names if n.endswith(".py") and n not in expected]  # and no stray module
    top_level = zipfile.ZipFile(wheel).read(f"polyverify-{version}.dist-info/top_level.txt").decode().split()
    assert top_level == ["polyverify"]
    entry = zipfile.ZipFile(wheel).read(f"polyverify-{version}.dist-info/entry_points.txt").decode()
    assert "polyverify = polyverify.cli:main" in entry


def _user_folder(tmp_path: Path) -> Path:
    """A folder of the user's with modules named like the repository's folders (each would
    break the run if imported)."""
    user = tmp_path / "project"
    user.mkdir()
    for name in ("theory", "verify", "numerics"):
        (user / f"{name}.py").write_text(f"raise SystemExit('the user\\'s own {name}.py was imported')\n")
    return user


def test_the_installed_wheel_runs_beside_a_users_theory_and_verify_modules(wheel, tmp_path):
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert r.returncode == 0, r.stderr
    assert {p.name for p in target.iterdir()} - {"bin"} == {"polyverify", f"polyverify-{META['project']['version']}.dist-info"}
    user = _user_folder(tmp_path)
    # -S: no .pth files, so a development install's import hook cannot serve polyverify; the
    # dependencies come from the interpreter's own package folders, after the wheel's copy
    libs = [p for p in sys.path if p and Path(p).name in ("site-packages", "dist-packages")]
    env = os.environ | {"PYTHONPATH": os.pathsep.join([str(target), *libs])}
    help_ = subprocess.run([sys.executable, "-S", "-m", "polyverify", "--help"], capture_output=True, text=True,
                           cwd=user, env=env, timeout=600, check=False)
    assert help_.returncode == 0, help_.stderr
    assert "usage: polyverify" in help_.stdout and "was imported" not in help_.stdout + help_.stderr
    code = "import polyverify, polyverify.theory.collisions; from polyverify import Claim; print(polyverify.__file__)"
    where = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=user, env=env,
                           timeout=600, check=False)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve().is_relative_to(target.resolve())  # the wheel's copy ran


def test_the_development_install_runs_beside_a_users_theory_and_verify_modules(tmp_path):
    r = subprocess.run([sys.executable, "-m", "polyverify", "--help"], capture_output=True, text=True,
                       cwd=_user_folder(tmp_path), timeout=600, check=False)
    assert r.returncode == 0, r.stderr
    assert "usage: polyverify" in r.stdout

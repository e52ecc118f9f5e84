"""kg installed from a wheel (pip install ., pipx, a git URL) has its default rules and builds with them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.extract.rules import load_rules, shipped_rules_dir

ROOT = Path(__file__).resolve().parent.parent
RULE_FILES = sorted(str(p.relative_to(ROOT / "rules")) for p in (ROOT / "rules").rglob("*.yml"))


def _run(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built from a copy of the source tree (the build writes build/ and *.egg-info beside its input)."""
    if _run(sys.executable, "-c", "import setuptools.command.bdist_wheel").returncode:
        pytest.fail("building a wheel needs setuptools>=70.1 in this Python: pip install -e '.[test]'")
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    src.mkdir()
    for name in ("kg", "rules"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src),
                 "-w", str(work / "dist"), cwd=work)
    assert built.returncode == 0, built.stderr
    [wheel] = (work / "dist").glob("kg-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed into a folder of its own (its dependencies come from this Python's environment)."""
    target = tmp_path_factory.mktemp("site")
    done = _run(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--target", str(target),
                str(wheel))
    assert done.returncode == 0, done.stderr
    return target


def _in_installed(installed: Path, code: str, cwd: Path, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_RULES")}
    return _run(sys.executable, "-c", code, cwd=cwd, env={**environ, "PYTHONPATH": str(installed), **env})


def test_the_wheel_holds_every_module_and_every_rules_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "kg").rglob("*.py") if "__pycache__" not in p.parts}
    assert modules - names == set()
    assert {f"kg/_rules/{name}" for name in RULE_FILES} <= names
    assert "kg/_rules/gazetteer/companies.yml" in names


def test_an_installed_kg_loads_its_shipped_rules_from_anywhere(installed, tmp_path):
    got = _in_installed(installed, "import kg, kg.extract.rules as r; x = r.load_rules();"
                        " print(kg.__file__); print(x.directory); print(len(x.entities), len(x.patterns))", tmp_path)
    assert got.returncode == 0, got.stderr
    here = load_rules(ROOT / "rules")
    assert got.stdout.splitlines() == [str(installed / "kg" / "__init__.py"), str(installed / "kg" / "_rules"),
                                       f"{len(here.entities)} {len(here.patterns)}"]


def test_an_installed_kg_builds_the_sample_and_kg_rules_overrides(installed, tmp_path):
    build = "import sys; from kg.cli import cli; sys.argv = ['kg'] + sys.argv[1:]; cli()"
    got = _run(sys.executable, "-c", build, "build", "--out", str(tmp_path / "out"), "--no-cache", cwd=tmp_path,
               env={**{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KG_RULES")},
                    "PYTHONPATH": str(installed)})
    assert got.returncode == 0, got.stderr
    assert got.stdout.startswith("Read 5 of 5 files: 97 items")
    assert "rules folder not found" not in got.stderr
    missing = _in_installed(installed, "import kg.extract.rules as r; r.load_rules()", tmp_path, KG_RULES=str(tmp_path / "none"))
    assert missing.returncode == 1 and f"[{tmp_path / 'none'}] rules folder not found" in missing.stderr


def test_rules_init_copies_the_default_rules_and_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    target = tmp_path / "my-rules"
    first = runner.invoke(cli, ["rules", "init", str(target)])
    assert first.exit_code == 0, first.output
    assert first.stdout == (f"Copied 8 rule files to {target}. Check your edits with: kg rules check --rules {target};"
                            f" build with them: kg build --rules {target} (or set KG_RULES={target}).\n")
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*.yml")) == RULE_FILES
    for name in RULE_FILES:
        assert (target / name).read_bytes() == (shipped_rules_dir() / name).read_bytes()
    assert runner.invoke(cli, ["rules", "check", "--rules", str(target)]).exit_code == 0

    edited = target / "patterns.yml"
    edited.write_text("# mine\n", encoding="utf-8")
    again = runner.invoke(cli, ["rules", "init", str(target)])
    assert again.exit_code == 1
    assert again.stderr == (f"Error: {target}: 8 of the rule files are already there (gazetteer/companies.yml,"
                            " gazetteer/hardware.yml, gazetteer/organizations.yml, gazetteer/people.yml and 4 more);"
                            " nothing copied. Fix: pick a new folder, or add --force to overwrite them\n")
    assert edited.read_text(encoding="utf-8") == "# mine\n"
    forced = runner.invoke(cli, ["rules", "init", str(target), "--force"])
    assert forced.exit_code == 0
    assert edited.read_bytes() == (shipped_rules_dir() / "patterns.yml").read_bytes()


def test_rules_init_copies_the_shipped_rules_even_when_kg_rules_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_RULES", str(tmp_path / "elsewhere"))
    result = CliRunner().invoke(cli, ["rules", "init", str(tmp_path / "copy")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "copy" / "gazetteer" / "people.yml").is_file()


# ---------------------------------------------------------------- .ci/run on a fresh machine, with stand-ins

SHIMS = {
    # `id -u` says what FAKE_UID says; everything else is the real id
    "id": '[ "$1" = -u ] && echo "$FAKE_UID" && exit 0; exec /usr/bin/id "$@"',
    # every Debian package is installed but those in FAKE_MISSING
    "dpkg-query": 'for last; do :; done; case " $FAKE_MISSING " in *" $last "*) exit 1;; esac;'
                  ' echo "install ok installed"',
    "apt-get": 'echo "apt-get $*" >> "$LOG"; case "$*" in *python3-venv*) touch "$LOG.venv-installed";; esac',
    # python3 -m venv fails (as without Debian's python3-venv) until apt-get installed it, if FAKE_NO_VENV is set
    "python3": '[ "$1 $2" = "-m venv" ] || exit 9; echo "python3 $*" >> "$LOG";'
               ' if [ -n "$FAKE_NO_VENV" ] && [ ! -e "$LOG.venv-installed" ]; then'
               ' echo "The virtual environment was not created successfully because ensurepip is not available." >&2;'
               ' mkdir -p "$3"; exit 1; fi;'
               ' mkdir -p "$3/bin" && cp "$SHIM_DIR/venv-python" "$3/bin/python"',
    # the virtualenv's python: notes what it runs; pytest passes
    "venv-python": 'echo "venv-python $*" >> "$LOG"; [ "$*" = "-m pytest -q" ] && echo "1 passed in 0.01s"; exit 0',
}


def _ci_run(tmp_path: Path, uid: str, missing: str = "", no_venv: bool = False) -> tuple[subprocess.CompletedProcess, list[str]]:
    shims = tmp_path / "shims"
    shims.mkdir(exist_ok=True)
    for name, body in SHIMS.items():
        (shims / name).write_text("#!/bin/sh\n" + body + "\n")
        (shims / name).chmod(0o755)
    log = tmp_path / "log"
    env = {"PATH": f"{shims}:/usr/bin:/bin", "HOME": str(tmp_path), "LOG": str(log), "SHIM_DIR": str(shims),
           "FAKE_UID": uid, "FAKE_MISSING": missing, "FAKE_NO_VENV": "1" if no_venv else "",
           "KG_VENV": str(tmp_path / "venv")}
    done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL)
    return done, log.read_text().splitlines() if log.exists() else []


INSTALL = "venv-python -m pip install -q --disable-pip-version-check -e .[test]"


def test_ci_run_as_a_user_skips_apt_says_what_is_missing_and_runs_the_tests_in_a_venv(tmp_path):
    done, log = _ci_run(tmp_path, uid="1000", missing="chromium chromium-driver")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        ".ci/run: not root: not installing the Debian packages chromium chromium-driver; the tests that need them"
        " will be skipped.",
        ".ci/run: To run them too: sudo apt-get install chromium chromium-driver",
        f".ci/run: installing kg and its test extras into {tmp_path / 'venv'}",
    ]
    assert log == [f"python3 -m venv {tmp_path / 'venv'}", INSTALL, "venv-python -m pytest -q"]
    assert done.stdout == "1 passed in 0.01s\n"
    again, log = _ci_run(tmp_path, uid="1000")  # the virtualenv is reused
    assert again.returncode == 0 and log[3:] == ["venv-python -m pip --version", INSTALL, "venv-python -m pytest -q"]


def test_ci_run_as_a_user_without_python3_venv_stops_with_the_fix(tmp_path):
    done, log = _ci_run(tmp_path, uid="1000", no_venv=True)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        ".ci/run: python3 -m venv failed: Debian's python3-venv is missing.",
        ".ci/run: Fix: sudo apt-get install python3-venv, then run bash .ci/run again",
    ]
    assert log == [f"python3 -m venv {tmp_path / 'venv'}"]
    assert not (tmp_path / "venv").exists()


def test_ci_run_as_root_installs_the_missing_debian_packages_and_python3_venv(tmp_path):
    done, log = _ci_run(tmp_path, uid="0", missing="raptor2-utils", no_venv=True)
    assert done.returncode == 0, done.stderr
    venv = tmp_path / "venv"
    assert log == [
        "apt-get update -q",
        "apt-get install -y -q --no-install-recommends raptor2-utils",
        f"python3 -m venv {venv}",
        "apt-get install -y -q --no-install-recommends python3-venv",
        f"python3 -m venv {venv}",
        INSTALL,
        "venv-python -m pytest -q",
    ]

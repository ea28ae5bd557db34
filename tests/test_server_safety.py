"""make lab binds 127.0.0.1 with a token; nothing in the course shells out with user input."""

import ast

import pytest
from conftest import ROOT, load_tool


def load_lab():
    return load_tool("lab")


def test_lab_command_is_local_with_token():
    argv = load_lab().lab_command()
    assert "--ServerApp.ip=127.0.0.1" in argv
    token = next(a for a in argv if a.startswith("--IdentityProvider.token="))
    assert len(token.split("=", 1)[1]) >= 32
    joined = " ".join(argv)
    assert "0.0.0.0" not in joined and "token=''" not in joined and 'token=""' not in joined
    assert "notebooks/00_start_here.ipynb" in argv


def test_lab_command_refuses_empty_token():
    with pytest.raises(ValueError, match="token"):
        load_lab().lab_command(token=" ")


def test_makefile_lab_uses_the_safe_launcher():
    makefile = (ROOT / "Makefile").read_text()
    lab_recipe = makefile.split("\nlab:", 1)[1].split("\n\n", 1)[0]
    assert "tools/lab.py" in lab_recipe and "0.0.0.0" not in makefile


FORBIDDEN_CALLS = {"eval", "exec", "system", "popen", "Popen", "run", "call", "check_output", "check_call"}


# The one exception: helpers/mpirun.py starts `mpiexec` for the MPI jobs of notebooks 05-07. It builds an argument
# list (no shell, no user text in a command string) and is checked separately below.
LAUNCHER = ROOT / "helpers" / "mpirun.py"


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "helpers").rglob("*.py") if p != LAUNCHER),
                         ids=lambda p: p.name)
def test_helpers_never_eval_or_shell_out(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            assert name not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {name}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            assert "subprocess" not in names, f"{path.name}:{node.lineno} imports subprocess"


def test_the_mpi_launcher_starts_an_argument_list_without_a_shell():
    tree = ast.parse(LAUNCHER.read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    names = [getattr(n.func, "id", None) or getattr(n.func, "attr", None) for n in calls]
    assert names.count("Popen") == 1 and not {"eval", "exec", "system", "popen", "call", "check_output"} & set(names)
    popen = calls[names.index("Popen")]
    assert isinstance(popen.args[0], ast.Name) and popen.args[0].id == "argv"  # the list built by command()
    assert all(k.arg != "shell" for k in popen.keywords)
    assert "start_new_session" in {k.arg for k in popen.keywords}  # so a timeout can kill the whole group


def test_lab_command_can_serve_another_folder(tmp_path):
    lab = load_lab()
    assert f"--ServerApp.root_dir={ROOT}" in lab.lab_command()
    argv = lab.lab_command(root_dir=tmp_path, notebook=str(tmp_path / "a.ipynb"), open_browser=False)
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in argv
    assert "--ServerApp.ip=127.0.0.1" in argv and "--ServerApp.open_browser=False" in argv


# ---- notebooks: no shell, no subprocess, no eval/exec ------------------------------------------------------

SHELL_MAGICS = {"bash", "sh", "script", "system", "sx", "sc", "perl", "ruby", "python2", "python3", "pypy",
                "writefile", "killbgscripts"}
FORBIDDEN_IN_NOTEBOOKS = {"eval", "exec", "system", "getoutput", "popen", "Popen", "check_output", "check_call"}


def notebook_code_cells():
    import json

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code":
                yield f"{path.name} cell {i}", "".join(cell["source"])


def shell_uses(source: str) -> list[str]:
    """What in one notebook cell runs a shell or arbitrary code: `!`, shell cell magics, subprocess, os.system,
    eval(, exec(. IPython syntax is first turned into the Python it runs (`!ls` -> get_ipython().system)."""
    from IPython.core.inputtransformer2 import TransformerManager

    found = []
    tree = ast.parse(TransformerManager().transform_cell(source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in FORBIDDEN_IN_NOTEBOOKS:
                found.append(f"{name}()")
            if name in ("run_cell_magic", "run_line_magic") and node.args:
                magic = getattr(node.args[0], "value", None)
                if magic in SHELL_MAGICS:
                    found.append(f"%{magic}")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            found += [f"import {n}" for n in names if n.split(".")[0] in ("subprocess", "pty", "pexpect")]
        if isinstance(node, ast.Attribute) and node.attr in ("system", "popen", "subprocess"):
            found.append(f".{node.attr}")
    return found


@pytest.mark.parametrize("where, source", list(notebook_code_cells()), ids=lambda v: v if " cell " in v else "")
def test_notebook_cells_never_shell_out_or_eval(where, source):
    assert not shell_uses(source), f"{where}: {shell_uses(source)}"


@pytest.mark.parametrize("source", [
    "!ls", "files = !ls", "%%bash\nls", "%%sh\nls", "%sx ls", "import subprocess", "import os\nos.system('ls')",
    "eval('1+1')", "exec('x = 1')", "from subprocess import run", "__import__('os').popen('ls')",
    "%%script bash\nls",
])
def test_the_notebook_check_catches_shell_and_eval(source):
    assert shell_uses(source)


def test_the_notebook_check_allows_ordinary_cells():
    assert shell_uses("%matplotlib widget\nimport numpy as np\nmodel_eval = np.eye(2)\nprint(model_eval)") == []

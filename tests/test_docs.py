"""The docs stay true to the code: every hook documented, every path named exists."""

from __future__ import annotations

import inspect
import re
import types

import pytest
from helpers import REPO

from gobuildpack import hookspecs
from gobuildpack.plugins import BUILTIN_PLUGINS, Plugins, load_plugins

BUILDPACK_IDS = {
    info.buildpack.id
    for info in load_plugins({"GOBUILDPACK_DISABLE_PLUGIN_AUTOLOAD": "1"}).infos
    if info.buildpack is not None
} | {"gobuildpack/image-labels"}

HOOKS = sorted(
    name
    for name, obj in vars(hookspecs).items()
    if name.startswith("gobuildpack_") and inspect.isfunction(obj)
)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_in_the_plugin_guide(hook):
    guide = (REPO / "docs" / "plugins.md").read_text()
    assert f"### `{hook}(" in guide, f"docs/plugins.md has no section for {hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hookspec_has_docs_and_versionadded(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert ".. versionadded::" in doc
    spec_args = inspect.signature(getattr(hookspecs, hook)).parameters
    for arg in spec_args:
        assert f":param {arg}:" in doc, f"{hook} does not document {arg}"


@pytest.mark.parametrize("doc", ["README.md", "docs/architecture.md", "docs/plugins.md"])
def test_paths_named_in_docs_exist(doc):
    text = (REPO / doc).read_text()
    names = set(
        re.findall(r"`((?:gobuildpack|buildpacks|samples|tests|bench|docs|\.ci)/[\w./-]*)`", text)
    )
    names |= set(
        re.findall(
            r"\]\(((?:\.\./)?(?:gobuildpack|buildpacks|docs|samples|bench)/[\w./-]*)\)", text
        )
    )
    names -= BUILDPACK_IDS  # gobuildpack/go-build is a buildpack id, not a path
    missing = [n for n in sorted(names) if not (REPO / n.removeprefix("../")).exists()]
    assert not missing, f"{doc} names paths that do not exist: {missing}"


def test_readme_lists_every_builtin_plugin():
    readme = (REPO / "README.md").read_text()
    for module in BUILTIN_PLUGINS:
        directory = module.replace("gobuildpack.builtin.", "buildpacks/").replace(".", "/")
        assert f"`{directory}" in readme or module == "gobuildpack.exporters", module


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize(
    "index", range(len(_python_blocks((REPO / "docs" / "plugins.md").read_text())))
)
def test_plugin_guide_examples_fit_the_hook_api(index):
    source = _python_blocks((REPO / "docs" / "plugins.md").read_text())[index]
    module = types.ModuleType(f"guide_example_{index}")
    exec(compile(source, f"docs/plugins.md example {index}", "exec"), module.__dict__)
    plugins = Plugins()
    plugins.register(module, source="cli", name=module.__name__)  # pluggy validates signatures
    plugins.finish()
    assert plugins.infos[-1].hooks, "the example implements no hook"

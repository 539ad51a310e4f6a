"""Static files shipped with the app: BP_KEEP_FILES into /workspace, kodata at /var/run/ko."""

from __future__ import annotations

import shutil

import pytest
from gobuildpack.builtin.app_files import keep_files
from helpers import HELLO_MAIN, SAMPLES, gomod, skopeo_config, umoci_unpack


def test_keep_files_globs(tmp_path):
    for rel in ["assets/a.css", "assets/img/b.png", "templates/x.tmpl", "main.go", ".git/HEAD"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(rel)
    assert [str(p) for p in keep_files(tmp_path, "assets:templates/*.tmpl")] == [
        "assets",
        "templates/x.tmpl",
    ]
    assert [str(p) for p in keep_files(tmp_path, "**/*.png")] == ["assets/img/b.png"]
    assert keep_files(tmp_path, "nothing/*") == []


def test_keep_files_refuses_escaping_patterns(cli, project):
    app = project({"go.mod": gomod(), "main.go": HELLO_MAIN})
    result = cli("build", app, "--env", "BP_KEEP_FILES=../secrets", "-o", f"oci:{app}-out")
    assert result.code == 51
    assert "points outside the app directory" in result.err


def test_several_kodata_targets_are_refused(cli, project):
    app = project(
        {
            "go.mod": gomod(),
            "cmd/a/main.go": HELLO_MAIN,
            "cmd/a/kodata/x.txt": "a",
            "cmd/b/main.go": HELLO_MAIN,
            "cmd/b/kodata/y.txt": "b",
        }
    )
    result = cli("build", app, "-o", f"oci:{app}-out")
    assert result.code == 51
    assert "several targets have a kodata directory" in result.err


@pytest.mark.e2e
@pytest.mark.buildah
def test_kept_files_and_kodata_land_in_the_image(cli, tmp_path):
    app = shutil.copytree(SAMPLES / "hello", tmp_path / "hello")
    (app / "static" / "css").mkdir(parents=True)
    (app / "static" / "css" / "site.css").write_text("body{}\n")
    (app / "kodata").mkdir()
    (app / "kodata" / "banner.txt").write_text("welcome\n")
    out = tmp_path / "layout"
    result = cli("build", app, "--env", "BP_KEEP_FILES=static/**", "--output", f"oci:{out}")
    assert result.code == 0, result.err
    rootfs = umoci_unpack(out, "latest", tmp_path / "unpacked")
    css = rootfs / "workspace" / "static" / "css" / "site.css"
    assert css.read_text() == "body{}\n"
    assert (css.stat().st_uid, css.stat().st_mode & 0o777) == (0, 0o644)
    assert (rootfs / "workspace").stat().st_uid == 65532
    assert (rootfs / "var" / "run" / "ko" / "banner.txt").read_text() == "welcome\n"
    assert "KO_DATA_PATH=/var/run/ko" in skopeo_config(f"oci:{out}:latest")["config"]["Env"]

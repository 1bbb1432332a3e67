"""Put the browser files Solara's server fetches from a CDN into its local cache, from the npm registry.

Solara's page loads its app (Vuetify), require.js and font-awesome through the server's CDN proxy
(`/_solara/cdn/...`), which fetches them from cdn.jsdelivr.net on first use and keeps them in
`solara.server.settings.assets.proxy_cache_dir`. Where the CDN cannot be reached (this project's CI machine
reaches PyPI and the npm registry but not jsdelivr) the page stays blank. This script reads which packages
and versions the installed Solara asks for (from its page template), downloads each package's tarball from
the npm registry and unpacks it where the proxy looks, so that `sim.mesa_viz` serves offline. Packages
already in the cache are left alone; each is unpacked into a temporary directory, then renamed.

    python scripts/solara_assets.py          # prints what it fetched or found
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

REGISTRY = "https://registry.npmjs.org"
# `{{cdn}}/pkg@1.2.3/` in the page template, `${this.getCdn()}/pkg@1.2.3/` in the widgets' Vue files
PACKAGE_AT_VERSION = re.compile(r"(?:\{\{\s*cdn\s*\}\}|\$\{this\.getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/")
# what the Mesa page uses: the page itself and SolaraViz's grid of panels
SOURCES = ("server/templates/solara.html.j2", "widgets/vue/gridlayout.vue", "widgets/vue/gridlayout_v3.vue")


def wanted() -> set[tuple[str, str]]:
    """(package, version) pairs the installed Solara's page and grid layout load through its CDN proxy."""
    import solara
    import solara.server.settings as settings

    root = Path(solara.__file__).parent
    found: set[tuple[str, str]] = set()
    for source in SOURCES:
        if (root / source).exists():
            found.update(PACKAGE_AT_VERSION.findall((root / source).read_text()))
    m = re.match(r"/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/", settings.assets.fontawesome_path)
    if m:
        found.add((m.group(1), m.group(2)))
    return found


def fetch(package: str, version: str, cache: Path) -> str:
    """Unpack `package@version` from the npm registry into the proxy cache; say what was done."""
    target = cache / f"{package}@{version}"
    if (target / "package.json").exists():
        return f"have {package}@{version}"
    url = f"{REGISTRY}/{package}/-/{package.split('/')[-1]}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".fetch-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            extract(tar, tmp)
        (tmp / "package").rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return f"fetched {package}@{version} ({len(data) // 1024} KB)"


def extract(tar: tarfile.TarFile, dest: Path) -> None:
    """Unpack a tarball's regular files and directories into `dest`, refusing any path that leads outside it.

    tarfile's "data" filter does this where the Python has it (3.12, and 3.11.4 on); Debian 12's python3 is
    3.11.2, which has not, so the same checks are made here.
    """
    if hasattr(tarfile, "data_filter"):
        tar.extractall(dest, filter="data")
        return
    root = dest.resolve()
    members = []
    for member in tar.getmembers():
        if not (member.isfile() or member.isdir()):
            continue  # links, devices: an npm package's browser files need none
        if not (root / member.name).resolve().is_relative_to(root):
            raise ValueError(f"{member.name!r} in the tarball leads outside {dest}")
        member.mode = 0o755 if member.isdir() else 0o644
        members.append(member)
    tar.extractall(dest, members=members)  # noqa: S202 - members checked above


def main() -> int:
    try:
        import solara.server.settings as settings
    except ImportError:
        print("solara is not installed (pip install -e '.[mesa-viz]'); nothing to fetch")
        return 0
    cache = Path(settings.assets.proxy_cache_dir)
    for package, version in sorted(wanted()):
        print(fetch(package, version, cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())

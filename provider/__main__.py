"""The sfn-patterns component provider: serves the components to Pulumi programs in other languages.

`pulumi package add <this repository>` starts it (PulumiPlugin.yaml names this folder as the plugin's entry) as
`python provider <engine address>`, in the calling program's folder; the root `__main__.py` stays the Pulumi program.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the repository root: `components` (handlers are only zipped, never imported)

from components.catalog import CatalogProvider, serve  # noqa: E402

if __name__ == "__main__":
    # The engine runs a plugin in the calling program's folder (its RunPlugin working directory): a HandlerSpec's
    # relative `code` is that program's, never this repository's.
    serve(CatalogProvider(program_folder=Path.cwd(), own_folders=(ROOT, ROOT / "provider")), sys.argv[1:])

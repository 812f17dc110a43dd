"""The sfn-patterns component provider: serves the components to Pulumi programs in other languages.

`pulumi package add <this repository>` starts it (PulumiPlugin.yaml names this folder as the plugin's entry);
the root `__main__.py` stays the Pulumi program.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root: `components`, `handlers`

from pulumi.provider.experimental import component_provider_host

from components.catalog import COMPONENTS, PACKAGE_NAME, VERSION

if __name__ == "__main__":
    component_provider_host(COMPONENTS, PACKAGE_NAME, version=VERSION)

"""Start the Förderberater web app: ``python app.py`` (settings from FOERDERBERATER_* variables).

Binds 127.0.0.1:7860 unless FOERDERBERATER_HOST / FOERDERBERATER_PORT say otherwise.
"""

from __future__ import annotations

import os
import sys

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"


def main() -> int:
    from foerderberater.core.errors import FoerderberaterError
    from foerderberater.core.messages import explain
    from foerderberater.core.settings import Settings
    from foerderberater.web.app import launch

    try:
        settings = Settings.from_env()
        launch(settings)  # credentials (hashes, password file) are read here
    except FoerderberaterError as exc:
        print(explain(exc), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

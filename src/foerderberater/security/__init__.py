"""Security building blocks of the web app and the CLI (a package of the core layer).

Pure modules: standard library plus ``foerderberater.core``; no Gradio, no web imports and no
module-level mutable state. Roles, password hashes and credentials (``auth``), server-side
login sessions (``sessions``), the client address behind trusted proxies (``client_ip``),
login back-off per (client, account) (``throttle``), CSV-injection neutralisation
(``csv_safe``), upload checks and the atomic copy into the corpus (``upload_check``) and the
hash tool (``hashpw``). The corpus walk rules and input limits of the index build live in
``index.walk`` and ``index.limits``.
"""

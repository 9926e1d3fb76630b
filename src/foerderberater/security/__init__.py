"""Security building blocks shared by the web app, the CLI and the index builder.

Pure modules (standard library plus ``foerderberater.errors``), no Gradio and no module-level
mutable state: roles and password hashes (``auth``), the client address behind trusted proxies
(``client_ip``), login back-off (``throttle``), CSV-injection neutralisation (``csv_safe``),
upload checks (``upload_check``), corpus walk rules (``corpus_walk``) and input limits
(``limits``).
"""

"""Bottom layer: the frozen value types every stage shares (records and feed specs in
``model``, the configuration in ``settings``, sources in ``sources``, media in ``media``,
the feed formats table in ``formats``, a run's outcome in ``report``, where a record or a
config value came from in ``location``), the error tree with its exit codes (``errors``)
and pure helpers (``slugs``, ``urls``, ``children``); imports nothing else of the package.
"""

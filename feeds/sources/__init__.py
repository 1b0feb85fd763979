"""Source stage: where record files come from: the local folders (``local``: the ``walk``,
then the ``listing``'s stats, with the forked ``stathelper`` on large listings) and remote
sources over HTTP (``remote``, its pages read by ``remotepages``).
"""

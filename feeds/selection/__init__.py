"""Select stage: one record per story and its status (``classify``), records mapped to
topics and each feed's newest entries (``select``), what a feed keeps (``filters``) and
each feed's spec (``specs``); pure.
"""

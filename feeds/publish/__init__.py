"""Publish stage: under the run lock (``lock``), hold back feeds that would shrink
(``guard``), write the rest atomically (``output``), then redirect maps (``redirects``) and
WebSub pings (``notify``); ``stage`` runs these steps for a build.
"""

"""Publish stage: the last-good-feed guard, atomic output, the run lock, redirect maps and
WebSub notification.
"""

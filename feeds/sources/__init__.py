"""Source stage: where record files come from, local folders (the listing walk) and remote JSON
listings.
"""

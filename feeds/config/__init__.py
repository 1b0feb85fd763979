"""Configuration stage: config keys, the check of a parsed config, loading it from YAML, topics
and their tree, `feeds init`.
"""

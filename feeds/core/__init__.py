"""Bottom layer: shared frozen value types, the error tree with its exit codes, and pure
helpers every stage uses; imports nothing else of the package.
"""

"""Select stage: dedupe and hold back records, map them to feeds, filters and feed specs; pure."""

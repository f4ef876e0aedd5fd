"""The Faust worker: the app and its agents, the enrichment process pool, the rules follower."""

"""RSS / Atom feeds: the list, parsing, page extraction, the exactly-once store and the poller."""

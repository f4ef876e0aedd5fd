"""`newswatch demo`: what `make run` shows a new user (the sample corpus, example rules, a short tour)."""

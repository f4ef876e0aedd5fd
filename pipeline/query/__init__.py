"""One query language for `newswatch search` and alert rules: one parser, two back ends (an
Elasticsearch query and an in-stream matcher) that agree on every article."""

from pipeline.query.ast import And, AtLeast, Lead, Near, Node, Not, Or, Term
from pipeline.query.parser import QuerySyntaxError, parse

__all__ = ["And", "AtLeast", "Lead", "Near", "Node", "Not", "Or", "QuerySyntaxError", "Term", "parse"]

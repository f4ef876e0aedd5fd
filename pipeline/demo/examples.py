"""The example alert rules `newswatch demo` adds, chosen to fire on the sample corpus in seeds/.

Pure: which rules. Rules are kept by name, so a second `make run` rewrites none of them.
"""

from __future__ import annotations

from schemas.alerts import AlertRule

FOLDER = "examples"  # under the alerts folder (NEWSWATCH_ALERTS_DIR)
NEAR_QUERY = "silicon NEAR/5 bank"
# earthquakes in the corpus's languages: one rule, every language (the Turkey-Syria earthquake of 2023)
QUAKE_QUERY = ("earthquake* OR séisme* OR terremoto* OR sismo* OR землетрясени* OR землетрус* OR trzęsieni* OR "
               "maanjäristy* OR jordbävning* OR gempa OR cutremur* OR erdbeben* OR زلزال OR الزلزال OR 지진 OR 지진이 OR 지진으로")



def example_rules() -> list[AlertRule]:
    """A keyword rule, a proximity rule and a frequency rule, each
    writing JSON lines to its own file in the alerts folder."""
    return [
        AlertRule(name="example-earthquakes", query=QUAKE_QUERY, files=[f"{FOLDER}/earthquakes.jsonl"]),
        AlertRule(name="example-bank-collapse", query=NEAR_QUERY,
                  files=[f"{FOLDER}/bank-collapse.jsonl"]),
        AlertRule(name="example-ukraine-frequency", query="countries:UA", kind="frequency", min_count=5,
                  window_s=3600.0, files=[f"{FOLDER}/ukraine-frequency.jsonl"]),
    ]


def same_rule(a: AlertRule, b: AlertRule) -> bool:
    """Whether storing `b` would change nothing (so a second run writes no rule record)."""
    return a.model_dump(mode="json", exclude={"created_at"}) == b.model_dump(mode="json", exclude={"created_at"})

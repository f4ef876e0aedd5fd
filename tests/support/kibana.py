"""Reading the generated Kibana saved objects back as a test would: embedded JSON, references, and every
field an object names, with the kind of use that decides the type it needs."""

from __future__ import annotations

import json
from typing import Any

# attributes Kibana stores as JSON inside a string
EMBEDDED = {"fieldFormatMap", "fieldAttrs", "sourceFilters", "runtimeFieldMap", "fields", "typeMeta", "panelsJSON",
            "optionsJSON", "mapStateJSON", "layerListJSON", "uiStateJSON", "searchSourceJSON"}


def parse_lines(text: str) -> list[dict[str, Any]]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def embedded(obj: dict[str, Any]) -> dict[str, Any]:
    """Every embedded JSON string of OBJ, parsed (raises if one does not parse)."""
    out: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in EMBEDDED:
                    assert isinstance(v, str), (obj["id"], k)
                    out[k] = json.loads(v)
                else:
                    walk(v)

    walk(obj["attributes"])
    return out


def ref_names_used(obj: dict[str, Any]) -> set[str]:
    """The reference names an object's own attributes point at (searchSource, panels, map layers, Lens layers)."""
    e = embedded(obj)
    names: set[str] = set()
    if "searchSourceJSON" in e and "indexRefName" in e["searchSourceJSON"]:
        names.add(e["searchSourceJSON"]["indexRefName"])
    for p in e.get("panelsJSON", []):
        names.add(f"{p['panelIndex']}:{p['panelRefName']}")
    for layer in e.get("layerListJSON", []):
        names.add(layer["sourceDescriptor"]["indexPatternRefName"])
    if obj["type"] == "lens":
        for layer_id in obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]:
            names.add(f"indexpattern-datasource-layer-{layer_id}")
    return names


def view_of(obj: dict[str, Any], name: str | None = None) -> str:
    refs = [r for r in obj["references"] if r["type"] == "index-pattern" and (name is None or r["name"] == name)]
    assert refs, (obj["id"], name)
    assert len({r["id"] for r in refs}) == 1, obj["id"]
    return str(refs[0]["id"])


# the mapping types each use accepts
NEEDS = {"time": {"date"}, "date_histogram": {"date"}, "terms": {"keyword"}, "last_value": {"keyword"},
         "geo": {"geo_point"}, "format": {"keyword"}, "column": {"keyword", "text", "date", "long", "integer", "float",
                                                                "boolean"},
         "tooltip": {"keyword", "text", "date"}, "label": {"keyword", "text", "date", "geo_point", "integer", "long"},
         "source_filter": {"keyword"}}


def fields_used(objects: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(object id, data view id, field, use) for every field any object names."""
    out: list[tuple[str, str, str, str]] = []
    for o in objects:
        e = embedded(o)
        a = o["attributes"]
        if o["type"] == "index-pattern":
            out.append((o["id"], o["id"], a["timeFieldName"], "time"))
            out += [(o["id"], o["id"], f, "format") for f in e["fieldFormatMap"]]
            out += [(o["id"], o["id"], f, "label") for f in e["fieldAttrs"]]
            out += [(o["id"], o["id"], f["value"], "source_filter") for f in e["sourceFilters"]]
        elif o["type"] == "search":
            view = view_of(o)
            out += [(o["id"], view, c, "column") for c in a["columns"]]
            out += [(o["id"], view, field, "time") for field, _ in a["sort"]]
        elif o["type"] == "lens":
            view = view_of(o)
            for layer in a["state"]["datasourceStates"]["formBased"]["layers"].values():
                for col in layer["columns"].values():
                    op = col["operationType"]
                    if op != "count":
                        out.append((o["id"], view, col["sourceField"], op))
                    if op == "last_value":
                        out.append((o["id"], view, col["params"]["sortField"], "time"))
        elif o["type"] == "map":
            for layer in e["layerListJSON"]:
                src = layer["sourceDescriptor"]
                view = view_of(o, src["indexPatternRefName"])
                out.append((o["id"], view, src["geoField"], "geo"))
                out += [(o["id"], view, f, "tooltip") for f in src.get("tooltipProperties", [])]
    return out

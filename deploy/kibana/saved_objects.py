"""Kibana saved objects for newswatch, generated from the index mappings (schemas/mapping.py).

Written by code, not by hand, so a renamed field cannot leave a broken view behind: every field a data
view, column, sort, aggregation or map layer names is looked up in the mapping with the type it needs
(`_field`), and generation fails if it is missing. `deploy/kibana/saved-objects.ndjson` is this module's
output for the default names (a unit test keeps it equal); `newswatch kibana export` writes it for the
configured aliases, with a saved search per alert rule on request.

Which Kibana: 8.8 up to 9.x. Each object carries `coreMigrationVersion` 8.8.0 (the release that replaced
`migrationVersion` by `typeMigrationVersion`) and, per type, the `typeMigrationVersion` of the shape it is
written in -- the versions Kibana's own sample data ships for these types -- so an importing Kibana runs
its later migrations on them (8.x -> 9.x included) and none refuses them as "from a newer Kibana".
Charts are Lens objects (`formBased` layers, the shape since 8.6.0), referenced from the dashboard by id:
legacy visualisations (aggregation-based `visState`) are deprecated in 8.x and left out. The map has no
Elastic Maps Service layer (no base map, no EMS boundaries): it draws the article places themselves.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from schemas.mapping import ALERT_PROPERTIES, ARTICLE_PROPERTIES

NDJSON = Path(__file__).resolve().parent / "saved-objects.ndjson"

CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {"index-pattern": "7.11.0", "search": "7.9.3", "lens": "8.6.0", "map": "7.4.0",
                          "dashboard": "8.7.0"}
PANEL_VERSION = "8.8.0"

# Stable ids: importing again overwrites these objects instead of adding copies. The articles data view
# keeps the id the repository shipped before the generator, so an earlier import is overwritten too.
ARTICLES_VIEW = "news-articles"
ALERTS_VIEW = "news-alerts"
DASHBOARD = "newswatch-news-monitor"
RULE_SEARCH_PREFIX = "newswatch-rule-"
TIME_FIELD = {ARTICLES_VIEW: "@timestamp", ALERTS_VIEW: "fired_at"}
_PROPERTIES = {ARTICLES_VIEW: ARTICLE_PROPERTIES, ALERTS_VIEW: ALERT_PROPERTIES}
_COUNT = "count"


def field_type(properties: dict[str, Any], path: str) -> str | None:
    """The mapped type of a dotted field (`places.location`, `title.raw`, `source.lc`), or None."""
    parts = path.split(".")
    node: dict[str, Any] | None = {"properties": properties}
    for i, part in enumerate(parts):
        if node is None:
            return None
        props = node.get("properties") or {}
        subs = node.get("fields") or {}
        node = props.get(part) if part in props else subs.get(part) if i > 0 else None
    if node is None:
        return None
    return node.get("type", "object" if "properties" in node else None)


def _field(view: str, path: str, *types: str) -> str:
    """PATH, after checking the mapping has it with one of TYPES (a renamed field fails generation)."""
    found = field_type(_PROPERTIES[view], path)
    if found not in types:
        raise ValueError(f"{view}: field {path!r} is {found or 'not mapped'}, a Kibana object needs {'/'.join(types)}")
    return path


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> the short name the enrichment writes to `country_names` (country_converter's
    table, read as pipeline/enrich/gazetteer.py reads it; a unit test keeps the two equal)."""
    import country_converter

    out: dict[str, str] = {}
    tsv = Path(country_converter.__file__).with_name("country_data.tsv")
    with tsv.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            code = row["ISO2"].strip()
            if len(code) != 2:  # "^GB$|^UK$": the first is ISO's
                m = re.match(r"\^([A-Z]{2})\$", code)
                code = m.group(1) if m else ""
            if len(code) == 2 and not row.get("obsolete", "").strip():
                out[code] = row["name_short"]
    return dict(sorted(out.items()))


def top_regions() -> list[str]:
    """The five UN M49 regions every tagged article carries one of (Africa, Americas, Asia, Europe, Oceania)."""
    from pipeline.enrich.gazetteer import _M49_PARENTS

    return sorted({region for _, region in _M49_PARENTS.values()})


# --- the objects -----------------------------------------------------------------------------------


def _obj(type_: str, id_: str, attributes: dict[str, Any], references: Sequence[dict[str, str]] = ()) -> dict[str, Any]:
    return {"type": type_, "id": id_, "attributes": attributes, "references": list(references),
            # no `managed` flag: it dates from 8.10 and defaults to false
            "coreMigrationVersion": CORE_MIGRATION_VERSION, "typeMigrationVersion": TYPE_MIGRATION_VERSION[type_]}


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def _view_ref(view: str, name: str) -> dict[str, str]:
    return {"type": "index-pattern", "id": view, "name": name}


def _country_lookup() -> dict[str, Any]:
    return {"id": "static_lookup", "params": {
        "lookupEntries": [{"key": k, "value": v} for k, v in country_names().items()], "unknownKeyValue": None}}


_URL_FORMAT = {"id": "url", "params": {"type": "a", "urlTemplate": None, "labelTemplate": None}}


def _data_view(view: str, title: str, name: str, formats: dict[str, Any], labels: dict[str, str],
               hidden: Iterable[str] = ()) -> dict[str, Any]:
    return _obj("index-pattern", view, {
        "title": title,
        "name": name,
        "timeFieldName": _field(view, TIME_FIELD[view], "date"),
        "fieldFormatMap": _dumps({_field(view, f, "keyword"): fmt for f, fmt in formats.items()}),
        "fieldAttrs": _dumps({_field(view, f, "keyword", "text", "date", "geo_point", "integer", "long"):
                              {"customLabel": label} for f, label in labels.items()}),
        "sourceFilters": _dumps([{"value": _field(view, f, "keyword")} for f in hidden]),
        "runtimeFieldMap": "{}",
        "fields": "[]",
        "typeMeta": "{}",
    })


def data_views(articles: str, alerts: str) -> list[dict[str, Any]]:
    lookup = _country_lookup()
    return [
        _data_view(ARTICLES_VIEW, articles, "News articles",
                   {"url": _URL_FORMAT, "countries": lookup, "focus_countries": lookup, "places.country": lookup},
                   {"countries": "Countries", "focus_countries": "Focus countries", "regions": "Regions (UN M49)",
                    "persons": "Persons", "organizations": "Organisations", "story_id": "Story",
                    "published_at": "Published", "@timestamp": "Enriched"},
                   hidden=("story_bands", "story_sketch")),
        _data_view(ALERTS_VIEW, alerts, "News alerts", {"url": _URL_FORMAT, "countries": lookup},
                   {"rule": "Rule", "fired_at": "Fired", "matched": "Matched words"}),
    ]


def _search(id_: str, view: str, title: str, description: str, query: str, columns: list[str]) -> dict[str, Any]:
    for c in columns:
        _field(view, c, "keyword", "text", "date", "long", "integer", "float", "boolean")
    source = {"query": {"query": query, "language": "lucene"}, "filter": [], "highlightAll": True, "version": True,
              "indexRefName": "kibanaSavedObjectMeta.searchSourceJSON.index"}
    return _obj("search", id_, {
        "title": title,
        "description": description,
        "hits": 0,
        "columns": columns,
        "sort": [[TIME_FIELD[view], "desc"]],
        "version": 1,
        "kibanaSavedObjectMeta": {"searchSourceJSON": _dumps(source)},
    }, [_view_ref(view, "kibanaSavedObjectMeta.searchSourceJSON.index")])


ARTICLE_COLUMNS = ["title", "source", "language", "countries", "regions", "url"]
NO_COUNTRY_QUERY = "*:* AND NOT _exists_:countries"


def searches() -> list[dict[str, Any]]:
    from pipeline.query import parse
    from pipeline.query.lucene import to_lucene

    out = [
        _search("newswatch-latest-articles", ARTICLES_VIEW, "Latest articles", "Every article, newest first.",
                "", ARTICLE_COLUMNS),
        _search("newswatch-no-country", ARTICLES_VIEW, "Articles with no country (triage)",
                "Articles the enrichment found no country for: candidates for a new alias or gazetteer entry.",
                NO_COUNTRY_QUERY, ["title", "source", "language", "locations", "url"]),
        _search("newswatch-latest-alerts", ALERTS_VIEW, "Latest alerts", "Every delivered alert, newest first.",
                "", ["rule", "title", "countries", "matched", "status", "url"]),
    ]
    for region in top_regions():
        query = f'regions:"{region}"'
        slug = re.sub(r"[^a-z0-9]+", "-", region.lower()).strip("-")
        out.append(_search(f"newswatch-region-{slug}", ARTICLES_VIEW, f"Articles in {region}",
                           f"newswatch query: {query}", to_lucene(parse(query)), ARTICLE_COLUMNS))
    return out


def rule_searches(rules: Iterable[Any], refused: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A saved search per alert rule (its query with its country / region filters, in Lucene syntax). A rule
    the emitter cannot express is left out and named in REFUSED with the reason."""
    from pipeline.query import QuerySyntaxError, parse
    from pipeline.query.lucene import LuceneUnsupported, to_lucene

    out = []
    for rule in sorted(rules, key=lambda r: r.name):
        full = rule.full_query()
        try:
            lucene = to_lucene(parse(full))
        except (LuceneUnsupported, QuerySyntaxError) as exc:
            if refused is not None:
                refused[rule.name] = str(exc).splitlines()[0]
            continue
        out.append(_search(f"{RULE_SEARCH_PREFIX}{rule.name}", ARTICLES_VIEW, f"Rule: {rule.name}",
                           f"Articles alert rule {rule.name} fires for. newswatch query: {full}", lucene,
                           ARTICLE_COLUMNS))
    return out


# --- Lens ------------------------------------------------------------------------------------------


def _count(label: str) -> dict[str, Any]:
    return {"label": label, "dataType": "number", "operationType": "count", "isBucketed": False, "scale": "ratio",
            "sourceField": "___records___", "params": {"emptyAsNull": True}, "customLabel": True}


def _date_histogram(view: str, label: str) -> dict[str, Any]:
    return {"label": label, "dataType": "date", "operationType": "date_histogram",
            "sourceField": _field(view, TIME_FIELD[view], "date"), "isBucketed": True, "scale": "interval",
            "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False}, "customLabel": True}


def _terms(view: str, field: str, label: str, size: int, *, other: bool = False,
           include: Sequence[str] = ()) -> dict[str, Any]:
    return {"label": label, "dataType": "string", "operationType": "terms", "sourceField": _field(view, field, "keyword"),
            "isBucketed": True, "scale": "ordinal", "customLabel": True,
            "params": {"size": size, "orderBy": {"type": "column", "columnId": _COUNT}, "orderDirection": "desc",
                       "otherBucket": other, "missingBucket": False, "parentFormat": {"id": "terms"},
                       "include": list(include), "exclude": [], "includeIsRegex": False, "excludeIsRegex": False}}


def _last_value(view: str, field: str, label: str) -> dict[str, Any]:
    return {"label": label, "dataType": "string", "operationType": "last_value", "isBucketed": False,
            "scale": "ordinal", "sourceField": _field(view, field, "keyword"), "customLabel": True,
            "params": {"sortField": _field(view, TIME_FIELD[view], "date"), "showArrayValues": False}}


def _axes() -> dict[str, Any]:
    on = {"x": True, "yLeft": True, "yRight": True}
    return {"axisTitlesVisibilitySettings": on, "tickLabelsVisibilitySettings": on, "gridlinesVisibilitySettings": on,
            "labelsOrientation": {"x": 0, "yLeft": 0, "yRight": 0}, "yLeftExtent": {"mode": "full"},
            "yRightExtent": {"mode": "full"}, "fittingFunction": "None", "valueLabels": "hide"}


def _lens(id_: str, view: str, title: str, vis_type: str, columns: dict[str, dict[str, Any]],
          visualization: dict[str, Any]) -> dict[str, Any]:
    layer = "layer1"
    order = [c for c, col in columns.items() if col["isBucketed"]] + [c for c, col in columns.items() if not col["isBucketed"]]
    state = {
        "datasourceStates": {"formBased": {"layers": {layer: {"columns": columns, "columnOrder": order,
                                                               "incompleteColumns": {}}}}},
        "visualization": {**visualization, **({"layerId": layer} if "layers" not in visualization else {})},
        "query": {"query": "", "language": "lucene"},
        "filters": [],
        "internalReferences": [],
        "adHocDataViews": {},
    }
    if "layers" in visualization:
        for lay in visualization["layers"]:
            lay["layerId"] = layer
    return _obj("lens", id_, {"title": title, "description": "", "visualizationType": vis_type, "state": state},
                [_view_ref(view, "indexpattern-datasource-current-indexpattern"),
                 _view_ref(view, f"indexpattern-datasource-layer-{layer}")])


def _over_time(id_: str, view: str, title: str, split: str, split_label: str, y_label: str,
               include: Sequence[str] = ()) -> dict[str, Any]:
    # the terms column first: the top values over the whole range (as Lens nests a breakdown), then time
    columns = {"split": _terms(view, split, split_label, 10, other=not include, include=include),
               "x": _date_histogram(view, "Time"), _COUNT: _count(y_label)}
    vis = {**_axes(), "legend": {"isVisible": True, "position": "right"}, "preferredSeriesType": "bar_stacked",
           "layers": [{"layerType": "data", "seriesType": "bar_stacked", "xAccessor": "x", "splitAccessor": "split",
                       "accessors": [_COUNT], "palette": {"type": "palette", "name": "default"}}]}
    return _lens(id_, view, title, "lnsXY", columns, vis)


def _top(id_: str, field: str, title: str, label: str, size: int = 15) -> dict[str, Any]:
    columns = {"x": _terms(ARTICLES_VIEW, field, label, size), _COUNT: _count("Articles")}
    vis = {**_axes(), "valueLabels": "show", "legend": {"isVisible": False, "position": "right"},
           "preferredSeriesType": "bar_horizontal",
           "layers": [{"layerType": "data", "seriesType": "bar_horizontal", "xAccessor": "x", "accessors": [_COUNT]}]}
    return _lens(id_, ARTICLES_VIEW, title, "lnsXY", columns, vis)


def _stories() -> dict[str, Any]:
    columns = {"story": _terms(ARTICLES_VIEW, "story_id", "Story", 10), _COUNT: _count("Articles"),
               "title": _last_value(ARTICLES_VIEW, "title.raw", "Latest title")}
    vis = {"layerType": "data", "columns": [{"columnId": "title"}, {"columnId": _COUNT}, {"columnId": "story"}],
           "sorting": {"columnId": _COUNT, "direction": "desc"}, "rowHeight": "auto", "rowHeightLines": 2}
    return _lens("newswatch-lens-stories", ARTICLES_VIEW, "Biggest stories", "lnsDatatable", columns, vis)


def charts() -> list[dict[str, Any]]:
    return [
        # the five M49 regions only: an article also carries its sub-regions, which would count it twice
        _over_time("newswatch-lens-articles-by-region", ARTICLES_VIEW, "Articles over time by region", "regions",
                   "Region", "Articles", include=top_regions()),
        _top("newswatch-lens-focus-countries", "focus_countries", "Top focus countries", "Focus country"),
        _top("newswatch-lens-persons", "persons", "Top persons", "Person"),
        _top("newswatch-lens-organizations", "organizations", "Top organisations", "Organisation"),
        _top("newswatch-lens-sources", "source", "Sources", "Source", 20),
        _top("newswatch-lens-languages", "language", "Languages", "Language", 20),
        _stories(),
        _over_time("newswatch-lens-alerts-by-rule", ALERTS_VIEW, "Alerts over time by rule", "rule", "Rule", "Alerts"),
    ]


# --- the map ---------------------------------------------------------------------------------------

PLACES = "places.location"
MAP_TOOLTIP = ["title", "places.name", "countries", "source", "published_at", "url"]


def _vector_style(color: str, size: dict[str, Any], label: dict[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"fillColor": {"type": "STATIC", "options": {"color": color}},
                             "lineColor": {"type": "STATIC", "options": {"color": "#FFFFFF"}},
                             "lineWidth": {"type": "STATIC", "options": {"size": 1}}, "iconSize": size}
    if label:
        props["labelText"] = label
    return {"type": "VECTOR", "properties": props}


def places_map() -> dict[str, Any]:
    """Article places (`places.location`) with no Elastic Maps Service layer: clusters with their article
    counts when zoomed out, each article's places (tooltip: title, place, countries, source) when zoomed in,
    on a plain background -- no coastlines or borders, which only EMS or a configured tile server draws."""
    geo = _field(ARTICLES_VIEW, PLACES, "geo_point")
    for f in MAP_TOOLTIP:
        _field(ARTICLES_VIEW, f, "keyword", "text", "date")
    layers = [
        {"id": "places-grid", "label": "Article places (clusters)", "minZoom": 0, "maxZoom": 6, "alpha": 0.8,
         "visible": True, "type": "VECTOR", "applyGlobalQuery": True,
         "sourceDescriptor": {"type": "ES_GEO_GRID", "id": "places-grid-source", "geoField": geo,
                              "requestType": "point", "resolution": "COARSE",
                              "metrics": [{"type": "count", "label": "articles"}],
                              "indexPatternRefName": "layer_0_source_index_pattern"},
         "style": _vector_style("#E7664C", {"type": "DYNAMIC", "options": {
             "field": {"name": "doc_count", "origin": "source"}, "minSize": 4, "maxSize": 32}},
             {"type": "DYNAMIC", "options": {"field": {"name": "doc_count", "origin": "source"}}})},
        {"id": "places-docs", "label": "Article places", "minZoom": 6, "maxZoom": 24, "alpha": 1, "visible": True,
         "type": "VECTOR", "applyGlobalQuery": True,
         "sourceDescriptor": {"type": "ES_SEARCH", "id": "places-docs-source", "geoField": geo, "limit": 2048,
                              "filterByMapBounds": True, "tooltipProperties": MAP_TOOLTIP,
                              "indexPatternRefName": "layer_1_source_index_pattern"},
         "style": _vector_style("#54B399", {"type": "STATIC", "options": {"size": 6}})},
    ]
    state = {"zoom": 1.5, "center": {"lon": 15.0, "lat": 25.0}, "timeFilters": {"from": "now-7d", "to": "now"},
             "refreshConfig": {"isPaused": False, "interval": 60000}, "query": {"query": "", "language": "lucene"},
             "filters": []}
    return _obj("map", "newswatch-map-places", {
        "title": "Article places", "description": "Where the articles' places are; no Elastic Maps Service needed.",
        "mapStateJSON": _dumps(state), "layerListJSON": _dumps(layers), "uiStateJSON": _dumps({"isLayerTOCOpen": True}),
    }, [_view_ref(ARTICLES_VIEW, "layer_0_source_index_pattern"), _view_ref(ARTICLES_VIEW, "layer_1_source_index_pattern")])


# --- the dashboard ---------------------------------------------------------------------------------

# (object id, saved-object type, x, y, w, h) on Kibana's 48-column grid
_LAYOUT = [
    ("newswatch-lens-articles-by-region", "lens", 0, 0, 32, 12),
    ("newswatch-lens-focus-countries", "lens", 32, 0, 16, 12),
    ("newswatch-map-places", "map", 0, 12, 32, 18),
    ("newswatch-lens-stories", "lens", 32, 12, 16, 18),
    ("newswatch-lens-persons", "lens", 0, 30, 16, 13),
    ("newswatch-lens-organizations", "lens", 16, 30, 16, 13),
    ("newswatch-lens-sources", "lens", 32, 30, 16, 13),
    ("newswatch-lens-languages", "lens", 0, 43, 16, 12),
    ("newswatch-lens-alerts-by-rule", "lens", 16, 43, 32, 12),
    ("newswatch-latest-articles", "search", 0, 55, 48, 15),
]


def dashboard() -> dict[str, Any]:
    panels, refs = [], []
    for i, (id_, type_, x, y, w, h) in enumerate(_LAYOUT, 1):
        key = str(i)
        panels.append({"version": PANEL_VERSION, "type": type_, "gridData": {"x": x, "y": y, "w": w, "h": h, "i": key},
                       "panelIndex": key, "embeddableConfig": {"enhancements": {}}, "panelRefName": f"panel_{key}"})
        refs.append({"type": type_, "id": id_, "name": f"{key}:panel_{key}"})
    return _obj("dashboard", DASHBOARD, {
        "title": "News monitor",
        "description": "Articles over time by region, focus countries, persons, organisations, sources, languages, "
                       "the biggest stories, alerts by rule and a map of article places (newswatch).",
        "panelsJSON": _dumps(panels),
        "optionsJSON": _dumps({"useMargins": True, "syncColors": False, "syncCursor": True, "syncTooltips": False,
                               "hidePanelTitles": False}),
        "version": 1,
        "timeRestore": True,
        "timeFrom": "now-7d",
        "timeTo": "now",
        "refreshInterval": {"pause": False, "value": 60000},
        "kibanaSavedObjectMeta": {"searchSourceJSON": _dumps({"query": {"query": "", "language": "lucene"},
                                                              "filter": []})},
    }, refs)


def build(*, articles: str = "news-articles", alerts: str = "news-alerts", rules: Iterable[Any] = (),
          refused: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every object, referenced objects before the objects that reference them. ARTICLES and ALERTS are
    the index patterns (the aliases); RULES adds a saved search per alert rule."""
    return [*data_views(articles, alerts), *searches(), *rule_searches(rules, refused), *charts(), places_map(),
            dashboard()]


def to_ndjson(objects: Iterable[dict[str, Any]]) -> str:
    return "".join(_dumps(o) + "\n" for o in objects)

"""What `newswatch status --json` prints: the pipeline's health on one screen."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProcessStatus(BaseModel):
    name: str  # worker, indexer, alerts, feeds, kafka, elasticsearch
    up: bool
    expected: bool = Field(description="a person should look when it is expected and not up")
    detail: str = ""  # "pid 123", "not responding on 127.0.0.1:9465", ...
    uptime_s: float | None = None
    rss_bytes: int | None = None
    rates_per_s: dict[str, float] = Field(default_factory=dict, description="last minute: 'stage outcome' -> /s")
    latency_s: dict[str, float] = Field(default_factory=dict, description="last minute: 'metric p50|p99' -> s")


class GroupLag(BaseModel):
    group: str
    topic: str
    lag: int
    partitions: dict[int, int] = Field(default_factory=dict)


class StatusReport(BaseModel):
    ok: bool
    problems: list[str] = Field(default_factory=list)
    processes: list[ProcessStatus] = Field(default_factory=list)
    lag: list[GroupLag] = Field(default_factory=list)
    dead_letters_last_hour: dict[str, int] = Field(default_factory=dict, description="by stage")
    failing_feeds: list[str] = Field(default_factory=list)
    disk_bytes: dict[str, int] = Field(default_factory=dict, description="kafka, elasticsearch: their data folders")

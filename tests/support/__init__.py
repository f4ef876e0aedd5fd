"""Helpers the tests share: paths, polling with a deadline, pipeline processes, reading topics."""

from tests.support.kafka import PacedProducer, read_topic, settings_for
from tests.support.net import free_port
from tests.support.paths import ROOT, SEED
from tests.support.processes import Proc, newswatch
from tests.support.waiting import poll

__all__ = ["ROOT", "SEED", "PacedProducer", "Proc", "free_port", "newswatch", "poll", "read_topic", "settings_for"]

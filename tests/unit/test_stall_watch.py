"""The worker's stall watch: a partition whose commit stands still with records behind it is read again."""

from pipeline.worker.stalls import StallWatch


def test_a_commit_that_stands_still_with_records_waiting_is_a_stall() -> None:
    w = StallWatch(after_s=60)
    assert w.stalled({0: (10, 20), 1: (5, 5)}, {0, 1}, now=0) == []
    assert w.stalled({0: (10, 25), 1: (5, 9)}, {0, 1}, now=30) == []
    assert w.stalled({0: (10, 25), 1: (5, 9)}, {0, 1}, now=61) == [0]  # 1 started waiting at 30
    assert w.stalled({0: (10, 25), 1: (5, 9)}, {0, 1}, now=95) == [1]  # 0 was given a fresh minute


def test_moving_commits_caught_up_partitions_and_other_workers_partitions_are_not() -> None:
    w = StallWatch(after_s=60)
    w.stalled({0: (10, 20), 2: (0, 50)}, {0}, now=0)
    assert w.stalled({0: (15, 30), 2: (0, 50)}, {0}, now=61) == []  # moved; 2 is another worker's
    assert w.stalled({0: (30, 30)}, {0}, now=200) == []  # caught up


def test_time_the_worker_could_not_move_is_no_evidence() -> None:
    w = StallWatch(after_s=30)
    w.stalled({0: (10, 20)}, {0}, now=0)
    w.reset()  # a rebalance, a table's recovery: the worker could not move meanwhile
    assert w.stalled({0: (10, 20)}, {0}, now=40) == []  # the clock starts again here
    assert w.stalled({0: (10, 20)}, {0}, now=71) == [0]


def test_a_record_still_on_its_way_is_no_stall() -> None:
    """A start-up into a backlog: partition 1's records wait behind partition 0's in the stream's queue for
    longer than the watch's half minute, and nothing is lost."""
    w = StallWatch(after_s=30)
    queued = {1}
    waiting = lambda p, committed: p in queued  # noqa: E731 - the consumer's answer, faked
    w.stalled({0: (10, 20), 1: (5, 9)}, {0, 1}, now=0, waiting=waiting)
    assert w.stalled({0: (10, 20), 1: (5, 9)}, {0, 1}, now=61, waiting=waiting) == [0]
    queued.clear()  # 1's record is out of every queue and no agent has it: from now on its clock runs
    assert w.stalled({0: (10, 20), 1: (5, 9)}, {0, 1}, now=62, waiting=waiting) == []
    assert w.stalled({0: (10, 20), 1: (5, 9)}, {0, 1}, now=93, waiting=waiting) == [0, 1]  # 0: its fresh half minute

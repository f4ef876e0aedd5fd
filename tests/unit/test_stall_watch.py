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

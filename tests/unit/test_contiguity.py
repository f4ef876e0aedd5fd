"""The worker's drain rule: a record ahead of the one expected sends the partition back, never past a hole."""

from pipeline.worker.contiguity import Contiguity, Verdict


def test_records_in_order_are_delivered_and_a_skipped_fetch_is_read_again() -> None:
    c: Contiguity[int] = Contiguity()
    c.expect(0, 100)  # the committed offset after a seek
    assert c.check(0, 100).verdict is Verdict.DELIVER
    c.delivered(0, 100)
    d = c.check(0, 140)  # 101..139 were fetched while the flow was suspended, and dropped
    assert (d.verdict, d.at) == (Verdict.REREAD, 101)
    assert c.check(0, 99).verdict is Verdict.STALE  # handed on already
    assert c.check(0, 101).verdict is Verdict.DELIVER  # the re-read
    c.delivered(0, 101)
    assert c.check(0, 102).verdict is Verdict.DELIVER
    assert c.rereads == 1 and c.gaps == 0


def test_a_record_cut_short_is_not_marked_read() -> None:
    c: Contiguity[int] = Contiguity()
    c.expect(0, 5)
    # 5's hand-over was cut short by a suspended flow: delivered() is not called, so 6 is a hole
    assert c.check(0, 6).verdict is Verdict.REREAD
    assert c.check(0, 5).verdict is Verdict.DELIVER


def test_a_hole_that_stays_after_the_rereads_is_accepted_as_a_gap() -> None:
    c: Contiguity[int] = Contiguity(max_rereads=2)
    c.expect(0, 10)  # committed at 10, but retention already deleted everything below 50
    assert c.check(0, 50).verdict is Verdict.REREAD
    assert c.check(0, 50).verdict is Verdict.REREAD
    d = c.check(0, 50)
    assert (d.verdict, d.at) == (Verdict.GAP, 10)
    c.delivered(0, 50)
    assert c.check(0, 51).verdict is Verdict.DELIVER
    assert c.gaps == 1


def test_a_new_hole_gets_its_own_rereads() -> None:
    c: Contiguity[int] = Contiguity(max_rereads=1)
    c.expect(0, 0)
    assert c.check(0, 3).verdict is Verdict.REREAD
    c.delivered(0, 0)  # filled
    c.delivered(0, 1)
    assert c.check(0, 9).verdict is Verdict.REREAD  # a fresh hole: not counted against the first


def test_no_expected_offset_delivers_whatever_kafka_gives_and_forget_clears() -> None:
    c: Contiguity[str] = Contiguity()
    assert c.check("p", 77).verdict is Verdict.DELIVER  # no commit: Kafka's reset policy decides
    c.delivered("p", 77)
    assert c.check("p", 80).verdict is Verdict.REREAD
    c.forget({"p"})  # revoked
    assert c.check("p", 80).verdict is Verdict.DELIVER
    c.expect("p", None)
    assert c.check("p", 3).verdict is Verdict.DELIVER

"""The torch fix names the newest wheel index the driver and every GPU accept."""

from __future__ import annotations

from troubleshooter.probes.torchwheel import choose_index


def test_newest_index_not_newer_than_the_driver() -> None:
    assert choose_index("12.4", [(8, 0)])["index"] == "cu124"
    assert choose_index("12.2", [(7, 5)])["index"] == "cu121"
    assert choose_index("13.0", [(9, 0)])["index"] == "cu130"


def test_blackwell_needs_cuda_12_8_builds_or_a_newer_driver() -> None:
    assert choose_index("12.8", [(12, 0)])["index"] == "cu128"
    stuck = choose_index("12.4", [(12, 0)])
    assert stuck["index"] is None and "update the NVIDIA driver" in stuck["reason"]


def test_old_gpus_stay_on_builds_that_still_have_their_kernels() -> None:
    assert choose_index("12.9", [(6, 0)])["index"] == "cu126"
    assert choose_index("12.9", [(6, 0), (12, 0)])["index"] is None  # no single wheel serves both


def test_unknown_driver_version_names_no_index() -> None:
    assert choose_index(None, [(8, 0)])["index"] is None

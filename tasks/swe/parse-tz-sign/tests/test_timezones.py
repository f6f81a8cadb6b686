from datetime import datetime, timedelta, timezone

from parse import parse


def test_iso_negative_offset():
    r = parse("{:ti}", "2021-03-04T05:06:07-05:00")
    assert r[0].utcoffset() == timedelta(hours=-5)
    assert r[0] == datetime(2021, 3, 4, 10, 6, 7, tzinfo=timezone.utc)


def test_iso_negative_half_hour_offset():
    r = parse("{:ti}", "2021-03-04T05:06:07-0330")
    assert r[0].utcoffset() == -timedelta(hours=3, minutes=30)


def test_email_style_negative_offset():
    r = parse("{:te}", "Mon, 20 Jan 2020 10:00:00 -0800")
    assert r[0].utcoffset() == timedelta(hours=-8)


def test_positive_offset():
    r = parse("{:ti}", "2021-03-04T05:06:07+02:00")
    assert r[0].utcoffset() == timedelta(hours=2)


def test_utc_z():
    r = parse("{:ti}", "2021-03-04T05:06:07Z")
    assert r[0].utcoffset() == timedelta(0)


def test_time_only_negative_offset():
    r = parse("{:tt}", "10:21:36 PM -5:30")
    assert r[0].utcoffset() == -timedelta(hours=5, minutes=30)

"""The demo hashes its published password once for all demo logins, with the preferred hasher, and only while it
loads."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password

from lijiao.demo.passwords import hash_demo_passwords_once


def test_one_hash_per_password_while_the_demo_loads() -> None:
    preferred = get_hasher()
    with hash_demo_passwords_once():
        first, second, other = (
            make_password("Demo-pass-1"),
            make_password("Demo-pass-1"),
            make_password("x-2"),
        )
    assert first == second != other
    assert identify_hasher(first).algorithm == preferred.algorithm
    assert check_password("Demo-pass-1", first) and not check_password("Demo-pass-2", first)
    assert not preferred.must_update(first)  # a login does not re-hash it
    assert make_password("Demo-pass-1") != make_password("Demo-pass-1")  # afterwards: a salt per hash again

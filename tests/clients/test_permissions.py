import pytest

from clients.permissions import can_change_clients


@pytest.mark.parametrize(
    ("role", "may_change"), [("admin", True), ("lead", True), ("ae", True), ("ae2", True), ("finance", False)]
)
def test_finance_reads_the_directory_and_the_other_roles_keep_it(world, role, may_change):
    assert can_change_clients(getattr(world.porta, role)) is may_change


def test_a_person_no_longer_active_changes_nothing(world):
    # given an admin whose membership was ended
    admin = world.porta.admin
    admin.is_active = False
    # then
    assert can_change_clients(admin) is False

"""The shared training fixtures build consistent data."""

from lijiao.training.models import ClassStatus, TrainingClass


def test_fixtures_build(
    approved_class: TrainingClass,
    running_class: TrainingClass,
    other_provider_staff,
    clerk,
    clerk_elsewhere,
    graduate_program,
) -> None:
    assert approved_class.status == ClassStatus.APPROVED
    assert approved_class.sessions.count() == 10
    assert approved_class.lesson_hours == 40 and approved_class.practical_hours == 24
    assert running_class.sessions.count() == 10
    assert approved_class.code != running_class.code

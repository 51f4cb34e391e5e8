"""What a rebuild's worker processes run. Kept apart from `rollups`, and importing nothing from
Django at the top, because a freshly spawned process must set Django up before it imports a model."""


def start() -> None:
    import django

    django.setup()


def contributions_for_range(id_range: tuple[int, int]) -> list[tuple[int, str, object]]:
    from kbs.insights.rollups import contributions_for_range as work

    return list(work(id_range))

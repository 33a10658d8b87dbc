"""Words per email, by class of template: median and maximum over every state the
template linter renders (tests/templates/samples.py `states`).

    python -m benchmarks.template_words
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from service.mail.render import render, template_names
from tests.templates.lint import template_class, words
from tests.templates.samples import states


def main() -> None:
    by_class: dict[str, list[int]] = defaultdict(list)
    largest: dict[str, tuple[int, str]] = {}
    for name in template_names():
        cls = template_class(name)
        for _label, context in states(name):
            count = words(render(name, context).text)
            by_class[cls.name].append(count)
            largest[cls.name] = max(largest.get(cls.name, (0, "")), (count, name))
    print(f"{'class':<12} {'emails':>6} {'median':>7} {'max':>5}  limit  longest")
    for cls_name, counts in sorted(by_class.items()):
        limit = template_class(largest[cls_name][1]).max_words
        print(
            f"{cls_name:<12} {len(counts):>6} {statistics.median(counts):>7g}"
            f" {max(counts):>5}  {limit:>5}  {largest[cls_name][1]}"
        )
    mentee = words(render("matches_mentee", states("matches_mentee")[0][1]).text)
    print(f"match email to a mentee (sample): {mentee} words")


if __name__ == "__main__":
    main()

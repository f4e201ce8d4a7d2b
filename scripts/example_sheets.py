#!/usr/bin/env python3
"""Writes examples/sheets.csv: a proctor's typed-in answer sheets for the
example papers, in the mixed notations people really use (A,C / ａｃ / 对 /
√ / blanks), with a few bad rows that `certexam grade` must set aside.

The paper ids must match the example papers, so run it again whenever the
shipped bank or the example blueprint changes:

    cargo run -- draw --blueprint examples/blueprint.toml --roster examples/roster.csv \
        --seed 2026-12-01 --out exam
    python3 scripts/example_sheets.py exam/papers > examples/sheets.csv

Nothing here is random: every candidate's mistakes are listed below.
"""

import csv
import glob
import os
import sys
import tomllib

# What each candidate does: (wrong questions, blank questions, partial
# multiple-choice questions, notation). Numbers are printed question numbers.
# Everyone but E004 and E006 is meant to pass: if the planned mistakes would
# make such a candidate miss the 80 % security gate on the paper drawn,
# mistakes on security questions move (the last first, one at a time) to the
# next question of the same type that is not security, until the gate holds.
# So which categories a draw put where never decides who passes.
PLAN = {
    "E001": ([], [], [], "plain"),                    # full marks
    "E002": ([3, 11], [30], [22], "lower"),           # a,c  √/×
    "E003": ([5, 14, 28], [], [21, 25], "fullwidth"), # ＡＣ  对/错
    "E004": ([1, 2, 4, 6, 7, 9, 12, 15, 18, 23, 24, 27, 29, 33], [35, 36], [], "tf"),  # fails
    "E006": ([], [], [], "plain"),                    # fails the security gate (set below)
    "E007": ([8], [], [26], "spaced"),                # "C A", y/n
    "E009": ([16, 31], [], [], "words"),              # 正确/错误
    "E010": ([2, 19], [], [24], "plain"),
}
# E006: everything right except enough security questions to miss its 80 % gate.
SECURITY_MISSES = 3


def letters_to_text(letters, style):
    if style == "lower":
        return ",".join(letters).lower()
    if style == "fullwidth":
        return "".join(chr(ord(c) + 0xFEE0) for c in letters)
    if style == "spaced":
        return " ".join(reversed(letters))
    return "".join(letters)


def tf_to_text(value, style):
    table = {
        "lower": ("√", "×"),
        "fullwidth": ("对", "错"),
        "tf": ("T", "F"),
        "spaced": ("y", "n"),
        "words": ("正确", "错误"),
    }
    yes, no = table.get(style, ("对", "错"))
    return yes if value else no


def wrong_choice(q):
    key = q["answer"]
    n = len(q["options"])
    if q["type"] == "single":
        return chr(ord("A") + (ord(key) - ord("A") + 1) % n)
    extra = [chr(ord("A") + i) for i in range(n) if chr(ord("A") + i) not in key]
    return "".join(sorted([key[0]] + extra[:1]))


def answers_for(paper, wrong, blank, partial, style):
    out = []
    for q in paper["question"]:
        num, key = q["number"], q["answer"]
        if num in blank:
            out.append("")
        elif isinstance(key, bool):
            out.append(tf_to_text(key != (num in wrong), style))
        elif num in wrong:
            out.append(letters_to_text(list(wrong_choice(q)), style))
        elif num in partial and len(key) > 1:
            out.append(letters_to_text(list(key[:-1]), style))
        else:
            out.append(letters_to_text(list(key), style))
    return out


def security_lost(paper, wrong, blank, partial):
    """Points of the security questions lost, and their maximum."""
    lost = total = 0.0
    for q in paper["question"]:
        if q["category"] != "security":
            continue
        points = paper["exam"]["section"][q["section"] - 1]["points"]
        total += points
        if q["number"] in wrong or q["number"] in blank:
            lost += points
        elif q["number"] in partial and len(q["answer"]) > 1:
            lost += points / 2
    return lost, total


def keep_security_gate(paper, wrong, blank, partial):
    wrong, blank, partial = list(wrong), list(blank), list(partial)
    questions = {q["number"]: q for q in paper["question"]}
    while True:
        lost, total = security_lost(paper, wrong, blank, partial)
        if lost <= 0.2 * total:
            return wrong, blank, partial
        planned = [(lst, n) for lst in (partial, blank, wrong) for n in lst
                   if questions[n]["category"] == "security"]
        lst, num = planned[-1]
        kind = questions[num]["type"]
        used = set(wrong) | set(blank) | set(partial)
        free = [q["number"] for q in paper["question"] if q["type"] == kind
                and q["category"] != "security" and q["number"] not in used
                and (lst is not partial or len(q["answer"]) > 1)]
        after = [n for n in free if n > num] or free
        lst[lst.index(num)] = after[0]


def main():
    folder = sys.argv[1] if len(sys.argv) > 1 else "exam/papers"
    papers = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.paper.toml"))):
        with open(path, "rb") as f:
            p = tomllib.load(f)
        papers[p["candidate"]["id"]] = p
    if not papers:
        sys.exit(f"no papers in {folder}; draw the example exam first (see the docstring)")
    n = len(next(iter(papers.values()))["question"])
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["candidate", "paper", "name"] + [str(i) for i in range(1, n + 1)])

    def row(cand, paper_id, answers):
        w.writerow([cand, paper_id, papers.get(cand, {}).get("candidate", {}).get("name", "")] + answers)

    for cand, (wrong, blank, partial, style) in PLAN.items():
        p = papers[cand]
        if cand == "E006":
            sec = [q["number"] for q in p["question"] if q["category"] == "security" and q["type"] == "single"]
            wrong = sec[:SECURITY_MISSES]
        elif cand != "E004":
            wrong, blank, partial = keep_security_gate(p, wrong, blank, partial)
        row(cand, p["paper_id"], answers_for(p, wrong, blank, partial, style))

    # E005 handed in two sheets (a copy was typed twice with a difference):
    # both are set aside until the proctor keeps the right one.
    p = papers["E005"]
    row("E005", p["paper_id"], answers_for(p, [], [], [], "plain"))
    row("E005", p["paper_id"], answers_for(p, [4], [], [], "plain"))
    # E008 marked an option the question does not have, and typed "o" for true.
    p = papers["E008"]
    a = answers_for(p, [], [], [], "plain")
    single4 = next(q["number"] for q in p["question"] if q["type"] == "single" and len(q["options"]) == 4)
    a[single4 - 1] = "E"
    tf = next(q["number"] for q in p["question"] if q["type"] == "truefalse")
    a[tf - 1] = "o"
    row("E008", p["paper_id"], a)
    # E011 wrote the paper id of E010's paper on the sheet.
    row("E011", papers["E010"]["paper_id"], answers_for(papers["E011"], [], [], [], "plain"))
    # A visitor who is not on the roster, with a mistyped paper id.
    w.writerow(["E099", "ZZZZ2345", "访客"] + answers_for(papers["E001"], [], [], [], "plain"))
    # E012 was absent: no sheet.


if __name__ == "__main__":
    main()

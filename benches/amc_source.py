#!/usr/bin/env python3
"""Writes an Auto Multiple Choice source (LaTeX, xeCJK) of the shipped bank
and the example blueprint, for benches/amc.sh: one AMC group per blueprint
section and category, each copy drawing the blueprint's count from it, in
shuffled order with shuffled options, on a separate answer sheet as
certexam prints. True/false questions become two-option questions (对/错):
AMC has no true/false type. Usage: amc_source.py BANK_DIR BLUEPRINT COPIES"""
import pathlib
import sys
import tomllib

bank_dir, blueprint_path, copies = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
blueprint = tomllib.load(open(blueprint_path, "rb"))
questions = []
for f in sorted(bank_dir.glob("*.toml")):
    questions += tomllib.load(open(f, "rb")).get("question", [])

def tex(s: str) -> str:
    for a, b in [("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                 ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\~{}"), ("^", r"\^{}")]:
        s = s.replace(a, b)
    return s

out = [r"""\documentclass[a4paper,11pt]{article}
\usepackage{xeCJK}
\setCJKmainfont{Noto Serif CJK SC}
\setCJKsansfont{Noto Sans CJK SC}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage[box,completemulti,separateanswersheet]{automultiplechoice}
\begin{document}
\AMCrandomseed{20261201}
"""]
groups = []
for s_i, section in enumerate(blueprint["section"]):
    kind = section["type"]
    for category, count in section["count"].items():
        group = f"s{s_i}{category}"
        pool = [q for q in questions if q["type"] == kind and q["category"] == category]
        groups.append((group, count))
        for q in pool:
            env = "questionmult" if kind == "multiple" else "question"
            if kind == "truefalse":
                options = [("对", q["answer"] is True), ("错", q["answer"] is False)]
            else:
                letters = q["answer"]
                options = [(o, chr(65 + i) in letters) for i, o in enumerate(q["options"])]
            out.append(f"\\element{{{group}}}{{\n\\begin{{{env}}}{{{q['id']}}}\n{tex(q['stem'])}\n\\begin{{reponses}}")
            out += [f"\\{'bonne' if good else 'mauvaise'}{{{tex(text)}}}" for text, good in options]
            out.append(f"\\end{{reponses}}\n\\end{{{env}}}\n}}")
out.append(f"\\onecopy{{{copies}}}{{")
out.append(r"\noindent{\large\bf " + tex(blueprint["title"]) + r"}\hfill 考试编号 " + tex(blueprint["id"]) + r"\par\vspace{1ex}")
out.append(tex(blueprint.get("instructions", "")) + r"\par\vspace{2ex}")
for group, count in groups:
    out.append(f"\\melangegroupe{{{group}}}\\restituegroupe[{count}]{{{group}}}")
out.append(r"""\AMCcleardoublepage
\AMCformBegin
\noindent 姓名：\namefield{\fbox{\parbox{8cm}{\vspace*{1cm}}}}\par\vspace{1ex}
\AMCform
\AMCcleardoublepage
}
\end{document}""")
print("\n".join(out))

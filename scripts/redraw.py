#!/usr/bin/env python3
"""An independent re-implementation of certexam's drawing algorithms
(certexam-draw-v1 and certexam-draw-v2), written from the README's
description alone, with a pure-Python ChaCha20. It prints, for one paper,
each printed question as `bank id:original option order:printed key` — the
same lines the golden test pins — so anyone can check years later that a
paper was drawn honestly. The blueprint's `draw` key chooses the algorithm;
for v2 the kept attempt is named on stderr.

Usage: scripts/redraw.py BANK_DIR BLUEPRINT SEED HOLDER [SEEN_ID ...]
       HOLDER is `candidate:<id>` or `form:<letter>`.
"""
import csv
import hashlib
import math
import pathlib
import struct
import sys
import tomllib


def derive_seed(algorithm, *parts):
    h = hashlib.sha256()
    for part in (algorithm,) + parts:
        data = part.encode()
        h.update(struct.pack(">Q", len(data)) + data)
    return h.digest()


def chacha20_block(key, counter):
    def rotl(v, n):
        return ((v << n) | (v >> (32 - n))) & 0xFFFFFFFF

    def quarter(s, a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 7)

    # "expand 32-byte k", the key, a 64-bit block counter and a zero 64-bit nonce.
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key))
    state += [counter & 0xFFFFFFFF, counter >> 32, 0, 0]
    work = state[:]
    for _ in range(10):
        quarter(work, 0, 4, 8, 12); quarter(work, 1, 5, 9, 13)
        quarter(work, 2, 6, 10, 14); quarter(work, 3, 7, 11, 15)
        quarter(work, 0, 5, 10, 15); quarter(work, 1, 6, 11, 12)
        quarter(work, 2, 7, 8, 13); quarter(work, 3, 4, 9, 14)
    return [(w + s) & 0xFFFFFFFF for w, s in zip(work, state)]


class DrawRng:
    def __init__(self, seed):
        self.key, self.counter, self.words = seed, 0, []

    def next_u32(self):
        if not self.words:
            self.words = chacha20_block(self.key, self.counter)
            self.counter += 1
        return self.words.pop(0)

    def below(self, n):
        limit = (1 << 32) // n * n
        while True:
            x = self.next_u32()
            if x < limit:
                return x % n

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


def letters(indices):
    return "".join(chr(ord("A") + i) for i in indices)


# --- The difficulty model (README, "How hard is each paper?") -------------

MIN_ANSWERS = 30


def level_logit(level):
    return (level - 2.5) * 0.8


def facility_logit(f):
    f = min(max(f, 0.02), 0.98)
    return math.log((1.0 - f) / f)


def p_middle(b):
    return 1.0 / (1.0 + math.exp(b - 0.0))


def level_of_logit(b):
    for level, upper in ((1, -0.8), (2, 0.0), (3, 0.8), (4, 1.6)):
        if b < upper:
            return level
    return 5


def read_calibration(path):
    """id -> (facility, n) from the items.csv `certexam analyze` writes."""
    raw = pathlib.Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    rows = [[c.strip() for c in r] for r in csv.reader(text.splitlines())]
    rows = [r for r in rows if any(r)]
    header = [c.lower() for c in rows[0]]
    i, n, f = header.index("id"), header.index("n"), header.index("facility")
    out = {}
    for r in rows[1:]:
        ident = r[i]
        if ident.startswith("'") and ident[1:2] in ("=", "+", "-", "@", "'"):
            ident = ident[1:]
        if f < len(r) and r[f]:
            out[ident] = (float(r[f]), int(r[n]))
    return out


# --- Drawing ---------------------------------------------------------------

def take(pool, needed, used, groups, seen, rng, out):
    """Step 5 for one pool; returns how many were taken."""
    available = [q for q in pool if q["id"] not in used]
    fresh = [q for q in available if q["id"] not in seen]
    old = [q for q in available if q["id"] in seen]
    rng.shuffle(fresh)
    rng.shuffle(old)
    picked = 0
    for q in fresh + old:
        if picked == needed:
            break
        if q.get("group") in groups:
            continue
        picked += 1
        used.add(q["id"])
        if "group" in q:
            groups.add(q["group"])
        out.append(q)
    return picked


def pools_of(bank, bp):
    pools = []
    for section in bp["section"]:
        lo, hi = section.get("difficulty", [1, 5])
        pools.append([[q for q in bank if q["type"] == section["type"]
                       and q["category"] == category and lo <= q["difficulty"] <= hi]
                      for category in section["count"]])
    return pools


def select(bp, pools, plan, seen, rng):
    """The paper's questions as (section index, question) in printed order,
    or a list of problems."""
    used, groups, printed, short = set(), set(), [], []
    for s, section in enumerate(bp["section"]):
        chosen = []
        for c, (category, count) in enumerate(section["count"].items()):
            strata = plan["strata"][s][c] if plan else None
            if strata is None:
                if take(pools[s][c], count, used, groups, seen, rng, chosen) < count:
                    short.append(f"section {section['title']} cannot be filled for {category}")
            else:
                for level, questions, quota in strata:
                    if quota == 0:
                        continue
                    if take(questions, quota, used, groups, seen, rng, chosen) < quota:
                        short.append(f"section {section['title']}: {category} at difficulty {level} is short")
        if bp.get("shuffle_questions", True):
            rng.shuffle(chosen)
        else:
            order = list(section["count"])
            chosen.sort(key=lambda q: (order.index(q["category"]), q["id"].encode()))
        printed += [(s, q) for q in chosen]
    return short or printed


def quotas(sizes, n):
    """Largest remainder, ties to the lower level."""
    total = sum(sizes)
    result = [n * size // total for size in sizes]
    order = sorted(range(len(sizes)), key=lambda i: (-(n * sizes[i] % total), i))
    for i in order[: n - sum(result)]:
        result[i] += 1
    return result


def plan_v2(bp, pools, calibration):
    def logit(q):
        seen = calibration.get(q["id"])
        if seen is not None and seen[1] >= MIN_ANSWERS:
            return facility_logit(seen[0])
        return level_logit(q["difficulty"])

    def level(q):
        seen = calibration.get(q["id"])
        if seen is not None and seen[1] >= MIN_ANSWERS:
            return level_of_logit(logit(q))
        return q["difficulty"]

    p, strata = {}, []
    for s, section in enumerate(bp["section"]):
        strata.append([])
        for c, count in enumerate(section["count"].values()):
            pool = pools[s][c]
            for q in pool:
                p[q["id"]] = p_middle(logit(q))
            if len(pool) < count:
                strata[s].append(None)
                continue
            levels = sorted({level(q) for q in pool})
            members = [[q for q in pool if level(q) == lv] for lv in levels]
            counts = quotas([len(m) for m in members], count)
            strata[s].append(list(zip(levels, members, counts)))
    points = [section["points"] for section in bp["section"]]
    total = 0.0
    for section in bp["section"]:
        total += section["points"] * sum(section["count"].values())
    # Explicit loops, not sum(): Python 3.12's sum() of floats rounds
    # differently from adding one by one.
    target = 0.0
    for s, categories in enumerate(strata):
        for category in categories:
            for _, questions, quota in category or []:
                if quota == 0:
                    continue
                p_sum = 0.0
                for q in questions:
                    p_sum += p[q["id"]]
                target += points[s] * quota * (p_sum / len(questions))
    return {"strata": strata, "p": p, "points": points, "total": total,
            "target": 100.0 * target / total}


def expected(plan, printed):
    total = 0.0
    for s, q in printed:
        total += plan["points"][s] * plan["p"][q["id"]]
    return 100.0 * total / plan["total"]


def main(bank_dir, blueprint_path, master_seed, holder, *seen):
    bank = []
    for path in sorted(pathlib.Path(bank_dir).rglob("*.toml")):
        if path.name == "bank.toml" and path.parent == pathlib.Path(bank_dir):
            continue
        bank += tomllib.loads(path.read_text(encoding="utf-8-sig")).get("question", [])
    bank.sort(key=lambda q: q["id"].encode())
    bp = tomllib.loads(pathlib.Path(blueprint_path).read_text(encoding="utf-8-sig"))
    pools = pools_of(bank, bp)
    if bp.get("draw", "v1") == "v1":
        rng = DrawRng(derive_seed("certexam-draw-v1", master_seed, bp["id"], holder))
        printed = select(bp, pools, None, seen, rng)
        if isinstance(printed[0], str):
            sys.exit("\n".join(printed))
    else:
        calibration = {}
        if "calibration" in bp:
            calibration = read_calibration(pathlib.Path(blueprint_path).parent / bp["calibration"])
        plan = plan_v2(bp, pools, calibration)
        tolerance = bp.get("draw_tolerance", 0.5)
        best = None
        for attempt in range(50):
            rng = DrawRng(derive_seed("certexam-draw-v2", master_seed, bp["id"], holder, str(attempt)))
            printed = select(bp, pools, plan, seen, rng)
            if isinstance(printed[0], str):
                continue
            off = abs(expected(plan, printed) - plan["target"])
            if best is None or off < best[0]:
                best = (off, attempt, rng, printed)
            if off <= tolerance:
                break
        if best is None:
            sys.exit(f"no attempt at {holder} could be filled")
        _, attempt, rng, printed = best
        print(f"attempt {attempt}", file=sys.stderr)
    for _, q in printed:
        order = list(range(len(q.get("options", []))))
        if bp.get("shuffle_options", True) and not q.get("fixed_order", False):
            rng.shuffle(order)
        answer = q["answer"]
        if isinstance(answer, bool):
            key = "true" if answer else "false"
        else:
            correct = {ord(c) - ord("A") for c in answer.upper()}
            key = letters([p for p, o in enumerate(order) if o in correct])
        print(f"{q['id']}:{letters(order)}:{key}")


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])

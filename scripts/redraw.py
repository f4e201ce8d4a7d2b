#!/usr/bin/env python3
"""An independent re-implementation of certexam's drawing algorithm
(certexam-draw-v1), written from the README's description alone, with a
pure-Python ChaCha20. It prints, for one paper, each printed question as
`bank id:original option order:printed key` — the same lines the golden test
pins — so anyone can check years later that a paper was drawn honestly.

Usage: scripts/redraw.py BANK_DIR BLUEPRINT SEED HOLDER [SEEN_ID ...]
       HOLDER is `candidate:<id>` or `form:<letter>`.
"""
import hashlib
import pathlib
import struct
import sys
import tomllib


def derive_seed(*parts):
    h = hashlib.sha256()
    for part in ("certexam-draw-v1",) + parts:
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


def main(bank_dir, blueprint_path, master_seed, holder, *seen):
    bank = []
    for path in sorted(pathlib.Path(bank_dir).rglob("*.toml")):
        if path.name == "bank.toml" and path.parent == pathlib.Path(bank_dir):
            continue
        bank += tomllib.loads(path.read_text(encoding="utf-8-sig")).get("question", [])
    bank.sort(key=lambda q: q["id"].encode())
    bp = tomllib.loads(pathlib.Path(blueprint_path).read_text(encoding="utf-8-sig"))
    rng = DrawRng(derive_seed(master_seed, bp["id"], holder))
    used, groups, printed = set(), set(), []
    for section in bp["section"]:
        lo, hi = section.get("difficulty", [1, 5])
        chosen = []
        for category, count in section["count"].items():
            matching = [q for q in bank if q["type"] == section["type"]
                        and q["category"] == category and lo <= q["difficulty"] <= hi]
            available = [q for q in matching if q["id"] not in used]
            fresh = [q for q in available if q["id"] not in seen]
            old = [q for q in available if q["id"] in seen]
            rng.shuffle(fresh)
            rng.shuffle(old)
            picked = 0
            for q in fresh + old:
                if picked == count:
                    break
                if q.get("group") in groups:
                    continue
                picked += 1
                used.add(q["id"])
                if "group" in q:
                    groups.add(q["group"])
                chosen.append(q)
            if picked < count:
                sys.exit(f"section {section['title']} cannot be filled for {category}")
        if bp.get("shuffle_questions", True):
            rng.shuffle(chosen)
        else:
            order = list(section["count"])
            chosen.sort(key=lambda q: (order.index(q["category"]), q["id"].encode()))
        printed += chosen
    for q in printed:
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

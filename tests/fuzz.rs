//! A mutation fuzz of every parser a user feeds (issue 16): real files —
//! the shipped bank, the example blueprint, roster and answer sheets, a
//! workbook, a drawn paper manifest, a signed score file and its signature,
//! an archive's ledger — are mutated at random (bytes flipped, inserted,
//! deleted, chunks repeated, cut short, tokens such as `"`, `=`, `[`,
//! `4294967296` or a byte-order mark slipped in) and handed to the parser
//! they belong to. Nothing may panic; errors are fine. Each target runs a
//! bounded number of cases (a few seconds in a debug build), so this runs
//! in CI with the rest of the tests. A failure is kept by proptest in
//! `proptest-regressions/fuzz.txt` and replayed first from then on.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use certexam::archive::{ledger, record, verify};
use certexam::grade::{answer_file, score};
use certexam::paper::Paper;
use certexam::score_file::ScoreFile;
use certexam::sign::{self, PublicKey};
use proptest::prelude::*;

mod support;
use support::{Test, copy_dir, root};

const NOW: &str = "2026-12-02T09:00:00Z";
const EXAM: &str = "CS-CERT-2026Q4";

/// certexam in `dir` at [`NOW`]: its exit status and standard error.
fn certexam(dir: &Path, args: &[&str]) -> (i32, String) {
    let run = Test::in_dir(dir).now(NOW).args(args).any_status().run();
    (run.code, run.stderr)
}

/// The example session drawn, graded and archived once: `exam/`,
/// `scores/`, `proctor.pub`, `hr/`.
fn session() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ex = root().join("examples");
        let run = |args: &[&str]| {
            let (code, err) = certexam(d, args);
            assert!(code <= 1, "{args:?}: {err}");
        };
        run(&[
            "draw",
            "--bank",
            root().join("question_bank").to_str().unwrap(),
            "--blueprint",
            ex.join("blueprint.toml").to_str().unwrap(),
            "--roster",
            ex.join("roster.csv").to_str().unwrap(),
            "--seed",
            "2026-12-01",
            "--out",
            "exam",
        ]);
        run(&["keygen", "--unencrypted", "--out", "proctor"]);
        run(&[
            "grade",
            "--papers",
            "exam",
            "--sheets",
            ex.join("sheets.csv").to_str().unwrap(),
            "--key",
            "proctor.key",
            "--out",
            "scores",
        ]);
        run(&[
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "scores",
        ]);
        dir
    })
    .path()
}

/// Things worth slipping into a file: the characters its syntax rests on,
/// numbers at the edges of their types, text that is not what it seems.
const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    "\"",
    "'",
    "=",
    "[",
    "]",
    "[[",
    "{",
    "}",
    ",",
    ":",
    "#",
    "\\",
    "0",
    "-1",
    "4294967296",
    "18446744073709551616",
    "1e309",
    "nan",
    "-0.001",
    "true",
    "\u{feff}",
    "\u{202e}",
    "张三",
    "\t",
    "\0",
    "]]>",
    "->",
    "=HYPERLINK(1)",
    ".hidden",
    "CON",
];

/// One mutation, applied at a position given as a fraction of the length.
#[derive(Clone, Debug)]
enum Mutation {
    Flip(f64, u8),
    Insert(f64, u8),
    Token(f64, usize),
    Delete(f64, usize),
    Repeat(f64, usize),
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    prop_oneof![
        3 => (at.clone(), any::<u8>()).prop_map(|(a, b)| Mutation::Flip(a, b)),
        2 => (at.clone(), any::<u8>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
        4 => (at.clone(), 0..TOKENS.len()).prop_map(|(a, t)| Mutation::Token(a, t)),
        2 => (at.clone(), 1..64usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
        1 => (at.clone(), 1..256usize).prop_map(|(a, n)| Mutation::Repeat(a, n)),
        1 => at.prop_map(Mutation::Truncate),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    proptest::collection::vec(mutation(), 1..6)
}

fn apply(original: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut b = original.to_vec();
    for m in mutations {
        let pos = |a: f64, len: usize| ((a * len as f64) as usize).min(len);
        match *m {
            Mutation::Flip(a, byte) if !b.is_empty() => {
                let i = pos(a, b.len() - 1);
                b[i] = byte;
            }
            Mutation::Insert(a, byte) => {
                let i = pos(a, b.len());
                b.insert(i, byte);
            }
            Mutation::Token(a, t) => {
                let i = pos(a, b.len());
                b.splice(i..i, TOKENS[t].bytes());
            }
            Mutation::Delete(a, n) => {
                let i = pos(a, b.len());
                let end = (i + n).min(b.len());
                b.drain(i..end);
            }
            Mutation::Repeat(a, n) => {
                let i = pos(a, b.len());
                let end = (i + n).min(b.len());
                let chunk = b[i..end].to_vec();
                b.splice(end..end, chunk);
            }
            Mutation::Truncate(a) => {
                let i = pos(a, b.len());
                b.truncate(i);
            }
            Mutation::Flip(..) => {}
        }
    }
    b
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 200,
        ..ProptestConfig::default()
    }
}

fn one_score_file() -> PathBuf {
    session().join("scores").join(EXAM).join("E002.score.toml")
}

fn one_paper() -> PathBuf {
    let papers = session().join("exam/papers");
    let mut all: Vec<PathBuf> = fs::read_dir(papers)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".paper.toml"))
        .collect();
    all.sort();
    all.remove(0)
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn the_bank_loader_never_panics(m in mutations(), which in 0..4usize) {
        let dir = tempfile::tempdir().unwrap();
        let bank = dir.path().join("bank");
        fs::create_dir(&bank).unwrap();
        let names = ["bank.toml", "logistics.toml", "rules.toml", "security.toml"];
        for name in names {
            fs::copy(root().join("question_bank").join(name), bank.join(name)).unwrap();
        }
        let target = bank.join(names[which]);
        fs::write(&target, apply(&fs::read(&target).unwrap(), &m)).unwrap();
        let _ = certexam::bank::load(&bank);
    }

    #[test]
    fn the_blueprint_reader_never_panics(m in mutations()) {
        let loaded = certexam::bank::load(&root().join("question_bank"));
        let categories = loaded.bank.unwrap().categories;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blueprint.toml");
        let original = fs::read(root().join("examples/blueprint.toml")).unwrap();
        fs::write(&path, apply(&original, &m)).unwrap();
        let _ = certexam::blueprint::load(&path, &categories);
    }

    #[test]
    fn the_roster_reader_never_panics(m in mutations()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.csv");
        let original = fs::read(root().join("examples/roster.csv")).unwrap();
        fs::write(&path, apply(&original, &m)).unwrap();
        let _ = certexam::roster::load(&path);
    }

    #[test]
    fn the_answer_sheet_reader_never_panics(m in mutations()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sheets.csv");
        let original = fs::read(root().join("examples/sheets.csv")).unwrap();
        fs::write(&path, apply(&original, &m)).unwrap();
        let _ = answer_file::read_all(&[path]);
    }

    #[test]
    fn the_workbook_reader_never_panics(m in mutations()) {
        static BOOK: OnceLock<Vec<u8>> = OnceLock::new();
        let book = BOOK.get_or_init(|| {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            for (r, row) in ["id,name,department", "E001,张三,售前", "E002,李四,售后"]
                .iter()
                .enumerate()
            {
                for (c, cell) in row.split(',').enumerate() {
                    sheet.write_string(r as u32, c as u16, cell).unwrap();
                }
            }
            sheet.merge_range(4, 0, 6, 1, "合并", &rust_xlsxwriter::Format::new()).unwrap();
            book.save_to_buffer().unwrap()
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("roster.xlsx");
        fs::write(&path, apply(book, &m)).unwrap();
        let _ = certexam::roster::load(&path);
    }

    #[test]
    fn the_paper_manifest_reader_and_scoring_never_panic(m in mutations()) {
        let original = fs::read(one_paper()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("E001.paper.toml");
        let bytes = apply(&original, &m);
        fs::write(&path, &bytes).unwrap();
        let _ = Paper::read(&path);
        // Past the digest, as someone who recomputes it would get: the
        // invariants must stop whatever scoring cannot take.
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(paper) = toml::from_str::<Paper>(text)
        {
            let paper = Paper::new(paper.content);
            if paper.content.check().is_ok()
                && let Ok(points) = score::section_points(&paper)
            {
                let answers: Vec<answer_file::Answer> = paper
                    .content
                    .questions
                    .iter()
                    .map(|q| answer_file::normalize("A", q.kind, q.options.len()).unwrap_or(answer_file::Answer::Blank))
                    .collect();
                let _ = score::score(&paper, &points, &answers, &score::Adjustments::default());
            }
        }
    }

    #[test]
    fn the_score_file_reader_and_verifier_never_panic(m in mutations(), signature in any::<bool>()) {
        let key = PublicKey::read(&session().join("proctor.pub")).unwrap();
        let file = one_score_file();
        let bytes = fs::read(&file).unwrap();
        let sig = fs::read(sign_path(&file)).unwrap();
        let (bytes, sig) = if signature {
            (bytes, apply(&sig, &m))
        } else {
            (apply(&bytes, &m), sig)
        };
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(score) = ScoreFile::parse(&file, text)
        {
            let _ = score.arithmetic_problem();
            let _ = score.trusted_comment();
        }
        if let Ok(sig_text) = std::str::from_utf8(&sig) {
            let _ = sign::verify_score_bytes(&key, &file, &bytes, sig_text);
        }
    }

    #[test]
    fn the_ledger_reader_and_the_record_opener_never_panic(m in mutations()) {
        let key = PublicKey::read(&session().join("proctor.pub")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("hr");
        copy_dir(&session().join("hr"), &archive);
        let ledger_path = archive.join(ledger::FILE);
        let mutated = apply(&fs::read(&ledger_path).unwrap(), &m);
        fs::write(&ledger_path, &mutated).unwrap();
        let text = String::from_utf8_lossy(&mutated);
        let (lines, cut) = ledger::parse(&text);
        let _ = verify::check_chain(&lines, cut);
        let _ = record::open_archive(&archive, Some(&key));
        let _ = verify::verify(&archive, &key, None);
    }
}

fn sign_path(file: &Path) -> PathBuf {
    certexam::score_file::signature_path(file)
}

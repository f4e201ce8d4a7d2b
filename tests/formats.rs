//! Every file format certexam exports, pinned byte for byte with `insta`
//! snapshots (tests/snapshots/formats__*.snap): a change to any column,
//! quoting, order, encoding mark or line ending shows up in review as a
//! snapshot diff, not in HR's spreadsheet or a colleague's importer. The
//! example session is drawn, graded, analysed and archived once, with the
//! clock fixed. (Scan's CSVs are pinned in tests/scan.rs, which makes the
//! scanned sheets.)

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use calamine::Reader;

mod support;
use support::{Test, copy_dir, root, snapshot_file, snapshot_text};

const NOW: &str = "2026-12-01T09:00:00Z";

/// Grading the example sheets with the fixed test key.
const GRADE: [&str; 9] = [
    "grade",
    "--papers",
    "exam",
    "--sheets",
    "sheets.csv",
    "--key",
    "proctor.key",
    "--out",
    "scores",
];

fn repo(path: &str) -> String {
    root().join(path).display().to_string()
}

/// Runs certexam in `dir` at [`NOW`]; panics with its output unless it
/// exits `code`.
fn certexam(dir: &Path, code: i32, args: &[&str]) -> String {
    Test::in_dir(dir)
        .now(NOW)
        .args(args)
        .status(code)
        .run()
        .stdout
}

/// The example session, once for all tests: drawn, graded from the
/// example answer file (whose set-aside rows fill rejects.csv), analysed
/// and archived.
fn session() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Copied in, so rejects.csv names it as a proctor would see it.
        fs::copy(repo("examples/sheets.csv"), d.join("sheets.csv")).unwrap();
        let (bank, blueprint) = (repo("question_bank"), repo("examples/blueprint.toml"));
        let roster = repo("examples/roster.csv");
        let draw = [
            "draw",
            "--bank",
            &bank,
            "--blueprint",
            &blueprint,
            "--roster",
            &roster,
            "--seed",
            "2026-12-01",
        ];
        certexam(d, 0, &[&draw[..], &["--out", "exam"]].concat());
        let rooms = ["--rooms", "5", "--out", "seated"];
        certexam(d, 0, &[&draw[..], &rooms].concat());
        // A fixed test key (no password, for tests only): score files name
        // their key, so a new key each run would move every fingerprint.
        for file in ["proctor.key", "proctor.pub"] {
            fs::copy(
                repo(&format!("tests/fixtures/test_key/{file}")),
                d.join(file),
            )
            .unwrap();
        }
        certexam(d, 1, &GRADE);
        let analyze = [
            "analyze", "--papers", "exam", "--out", "analysis", "--no-pdf", "scores",
        ];
        certexam(d, 0, &analyze);
        let add = [
            "archive",
            "add",
            "--archive",
            "hr",
            "--pubkey",
            "proctor.pub",
            "scores",
        ];
        certexam(d, 0, &add);
        dir
    })
    .path()
}

#[test]
fn grade_results_items_and_rejects() {
    let scores = session().join("scores");
    insta::assert_snapshot!(
        "grade_results_csv",
        snapshot_file(&scores.join("results.csv"))
    );
    insta::assert_snapshot!("grade_items_csv", snapshot_file(&scores.join("items.csv")));
    insta::assert_snapshot!(
        "grade_rejects_csv",
        snapshot_file(&scores.join("rejects.csv"))
    );
}

/// The signed score file (what the archive and analysis read), its
/// minisign signature, and regrade.csv after a question is voided.
#[test]
fn score_file_signature_and_regrade_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(session(), d);
    let exam = d.join("scores/CS-CERT-2026Q4");
    let mut files: Vec<_> = fs::read_dir(&exam)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".score.toml"))
        .collect();
    files.sort();
    let first = files.first().expect("a score file").clone();
    insta::assert_snapshot!("grade_score_file", snapshot_file(&first));
    // The signature's comments; its two signature lines change with every
    // signing (minisign signs with fresh noise), so they are masked.
    let signature = snapshot_file(&first.with_extension("toml.minisig"));
    let signature: Vec<String> = signature
        .split('\n')
        .enumerate()
        .map(|(n, line)| match n {
            1 | 3 => format!("<signature, {} characters>", line.len()),
            _ => line.to_string(),
        })
        .collect();
    insta::assert_snapshot!("grade_score_signature", signature.join("\n"));

    // Void the first question of that score file for everyone: every
    // score file becomes its next version and regrade.csv says why.
    let text = fs::read_to_string(&first).unwrap();
    let score: toml::Table = toml::from_str(&text).unwrap();
    let qid = score["question"][0]["id"].as_str().unwrap().to_string();
    certexam(d, 1, &[&GRADE[..], &["--void", &qid]].concat());
    insta::assert_snapshot!(
        "grade_regrade_csv",
        snapshot_file(&d.join("scores/regrade.csv"))
    );
}

#[test]
fn analysis_csvs() {
    let analysis = session().join("analysis");
    let mut names: Vec<String> = fs::read_dir(&analysis)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    names.sort();
    assert_eq!(names, ["exam.csv", "items.csv"]);
    insta::assert_snapshot!(
        "analysis_items_csv",
        snapshot_file(&analysis.join("items.csv"))
    );
    insta::assert_snapshot!(
        "analysis_exam_csv",
        snapshot_file(&analysis.join("exam.csv"))
    );
}

#[test]
fn draw_rooms_csv() {
    let rooms = session().join("seated").join("rooms.csv");
    insta::assert_snapshot!("draw_rooms_csv", snapshot_file(&rooms));
}

#[test]
fn bank_exports_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let bank = repo("tests/fixtures/draw_bank");
    for format in ["moodle-xml", "gift", "csv"] {
        let out = dir.path().join(format);
        let args = ["bank", "export", &bank, "--format", format, "--out"];
        certexam(
            dir.path(),
            0,
            &[&args[..], &[out.to_str().unwrap()]].concat(),
        );
        insta::assert_snapshot!(format!("bank_export_{format}"), snapshot_file(&out));
    }
}

#[test]
fn archive_exports_and_queries() {
    let d = session();
    let archive = ["--archive", "hr", "--pubkey", "proctor.pub"];
    let dir = tempfile::tempdir().unwrap();
    for lang in ["en", "zh"] {
        let out = dir.path().join(format!("export-{lang}.csv"));
        let args = [
            "archive", "export", "--format", "csv", "--lang", lang, "--out",
        ];
        certexam(
            d,
            0,
            &[&args[..], &[out.to_str().unwrap()], &archive].concat(),
        );
        insta::assert_snapshot!(format!("archive_export_{lang}_csv"), snapshot_file(&out));
    }
    // A workbook is a zip with its own timestamps: its cells are what HR sees.
    let xlsx = dir.path().join("export.xlsx");
    let args = ["archive", "export", "--format", "xlsx", "--out"];
    certexam(
        d,
        0,
        &[&args[..], &[xlsx.to_str().unwrap()], &archive].concat(),
    );
    insta::assert_snapshot!("archive_export_xlsx_cells", xlsx_cells(&xlsx));

    let query = ["archive", "query"];
    let table = certexam(d, 0, &[&query[..], &archive].concat());
    insta::assert_snapshot!("archive_query_table", snapshot_text(&table));
    let json = certexam(d, 0, &[&query[..], &archive, &["--json"]].concat());
    insta::assert_snapshot!("archive_query_json", snapshot_text(&json));
    let csv = certexam(d, 0, &[&query[..], &archive, &["--csv"]].concat());
    insta::assert_snapshot!("archive_query_csv", snapshot_text(&csv));
}

/// Every sheet's cells, one row per line, cells separated by ` | `.
fn xlsx_cells(path: &Path) -> String {
    let mut book = calamine::open_workbook_auto(path).unwrap();
    let mut out = String::new();
    for name in book.sheet_names() {
        out.push_str(&format!("## {name}\n"));
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            let cells: Vec<String> = row.iter().map(|c| format!("{c:?}")).collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
    }
    out
}

//! Every file format certexam exports, pinned byte for byte with `insta`
//! snapshots (tests/snapshots/formats__*.snap): a change to any column,
//! quoting, order, encoding mark or line ending shows up in review as a
//! snapshot diff, not in HR's spreadsheet or a colleague's importer. The
//! example session is drawn, graded, analysed and archived once, with the
//! clock fixed. (Scan's CSVs are pinned in tests/scan.rs, which makes the
//! scanned sheets.)

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use calamine::Reader;

const NOW: &str = "2026-12-01T09:00:00Z";

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .display()
        .to_string()
}

/// Runs certexam in `dir`; panics with its output unless it exits `code`.
fn certexam(dir: &Path, code: i32, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_certexam"))
        .current_dir(dir)
        .env("CERTEXAM_NOW", NOW)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "certexam {args:?}\nstdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
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
        let grade = [
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
        certexam(d, 1, &grade);
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

/// A file's bytes as snapshot text that keeps what a snapshot would smooth
/// over: the byte-order mark is written `<BOM>`, each carriage return `␍`
/// and the end of the file `␄` (so a lost or doubled last newline shows).
fn read(path: &Path) -> String {
    exact(&String::from_utf8(fs::read(path).unwrap()).unwrap())
}

fn exact(text: &str) -> String {
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => format!("<BOM>{rest}"),
        None => text.to_string(),
    };
    format!("{}␄", text.replace('\r', "␍"))
}

#[test]
fn grade_results_items_and_rejects() {
    let scores = session().join("scores");
    insta::assert_snapshot!("grade_results_csv", read(&scores.join("results.csv")));
    insta::assert_snapshot!("grade_items_csv", read(&scores.join("items.csv")));
    insta::assert_snapshot!("grade_rejects_csv", read(&scores.join("rejects.csv")));
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
    insta::assert_snapshot!("analysis_items_csv", read(&analysis.join("items.csv")));
    insta::assert_snapshot!("analysis_exam_csv", read(&analysis.join("exam.csv")));
}

#[test]
fn draw_rooms_csv() {
    let rooms = session().join("seated").join("rooms.csv");
    insta::assert_snapshot!("draw_rooms_csv", read(&rooms));
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
        insta::assert_snapshot!(format!("bank_export_{format}"), read(&out));
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
        insta::assert_snapshot!(format!("archive_export_{lang}_csv"), read(&out));
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
    insta::assert_snapshot!("archive_query_table", exact(&table));
    let json = certexam(d, 0, &[&query[..], &archive, &["--json"]].concat());
    insta::assert_snapshot!("archive_query_json", exact(&json));
    let csv = certexam(d, 0, &[&query[..], &archive, &["--csv"]].concat());
    insta::assert_snapshot!("archive_query_csv", exact(&csv));
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

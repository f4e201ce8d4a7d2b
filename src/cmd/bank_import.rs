//! `certexam bank import`: a trainer's Excel/CSV sheet into bank TOML. Good
//! rows are imported, bad rows are listed with their row, column and reason,
//! questions already in the bank are never overwritten without `--update`,
//! and the result is checked with the real bank loader before anything is
//! written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;

use crate::Status;
use crate::bank::{self, Category};
use crate::bankio::import::{self, CategoryRules, Field, Rejection};
use crate::bankio::merge::{self, Entry, Existing, Outcome, Present};
use crate::fsutil;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The sheet: .xlsx (also .xls, .ods) or .csv (UTF-8 with or without BOM, or GB18030).
    pub file: PathBuf,
    /// The bank folder to import into; created, with a bank.toml, if it does not exist.
    #[arg(long)]
    pub out: PathBuf,
    /// The sheet of a workbook to read (default: the first one).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Category ids for category names in the sheet, e.g. `物流=logistics,售后=aftersales`.
    /// Names the bank knows (by title or id) need no mapping; other names get
    /// a new category whose id is their pinyin (物流 → wuliu). A name that is
    /// part of a title the bank has (信息安全 / 信息安全与隐私) must be mapped:
    /// its rows are rejected until it is.
    #[arg(long, value_delimiter = ',', value_name = "NAME=ID,…")]
    pub category_map: Vec<String>,
    /// The category (a name or id) of rows whose category cell is empty, or
    /// of every row when the sheet has no category column.
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Say which columns hold what when their names are not recognised,
    /// e.g. `题目=stem,正确答案=answer,备注=ignore`. Fields: id, type,
    /// category, category_id, knowledge, difficulty, stem, A … H, answer,
    /// explanation, source, tags, group, fixed_order, ignore.
    #[arg(long, value_delimiter = ',', value_name = "HEADER=FIELD,…")]
    pub columns: Vec<String>,
    /// Rewrite questions that are already in the bank but differ from the
    /// sheet (same id; for rows without an id, same stem and options).
    /// Without it they are only reported.
    #[arg(long)]
    pub update: bool,
    /// The name of a bank created by this import (default: the sheet's file name).
    #[arg(long)]
    pub name: Option<String>,
    /// Show what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the result as JSON on stdout, for scripts.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    file: String,
    sheet: Option<&'a str>,
    encoding: Option<&'a str>,
    out: String,
    dry_run: bool,
    new: usize,
    unchanged: usize,
    updated: usize,
    /// Changed questions left as they are (no `--update`).
    changed_not_written: usize,
    rejected_rows: usize,
    new_categories: &'a [Category],
    written: Vec<String>,
    questions: &'a [Entry],
    rejections: &'a [Rejection],
    ignored_columns: &'a [String],
    default_difficulty_rows: &'a [usize],
}

pub fn run(args: &Args) -> Result<Status> {
    let mapping = import::parse_column_mapping(&args.columns)?;
    let category_map = import::parse_category_map(&args.category_map)?;
    if args.sheet.is_some() && !crate::spreadsheet::is_workbook(&args.file) {
        bail!(
            "--sheet only applies to workbooks (.xlsx, .xls, .ods); {} is read as CSV",
            args.file.display()
        );
    }
    let table = crate::spreadsheet::read_table(&args.file, args.sheet.as_deref())
        .map_err(import::ImportError::from)?;
    let columns = import::find_columns(&table, &mapping)?;
    if !columns.has(Field::Category) && !columns.has(Field::CategoryId) && args.category.is_none() {
        bail!(
            "{}: the sheet has no category column (分类); add one, or give --category NAME for all its questions",
            args.file.display()
        );
    }
    let (drafts, mut rejections) = import::read_rows(&table, &columns);
    let existing = read_existing(&args.out)?;
    let categories = existing
        .bank
        .as_ref()
        .map(|b| b.categories.clone())
        .unwrap_or_default();
    let rules = CategoryRules {
        map: category_map,
        default: args.category.clone(),
    };
    let settled = import::settle(drafts, &categories, &rules, &columns);
    rejections.extend(settled.rejections.iter().cloned());
    rejections.sort_by_key(|r| r.row);

    let source_name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bank_name = args.name.clone().unwrap_or_else(|| {
        args.file
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "题库".to_string())
    });
    let plan = merge::plan(
        &existing,
        &settled,
        Present::from_columns(&columns),
        merge::Options {
            update: args.update,
            source_name: &source_name,
            bank_name: &bank_name,
        },
    )?;
    if !plan.writes.is_empty() {
        verify(&existing, &plan)?;
        if !args.dry_run {
            let paths: Vec<(PathBuf, &String)> = plan
                .writes
                .iter()
                .map(|(rel, text)| (args.out.join(rel), text))
                .collect();
            let files: Vec<(&Path, &[u8])> = paths
                .iter()
                .map(|(p, t)| (p.as_path(), t.as_bytes()))
                .collect();
            fsutil::write_batch(&files)?;
        }
    }

    let rejected_rows = {
        let mut rows: Vec<usize> = rejections.iter().map(|r| r.row).collect();
        rows.dedup();
        rows.len()
    };
    let problems = rejected_rows > 0 || plan.held_back() > 0 || settled.questions.is_empty();
    // New questions whose row gave no difficulty (they got the default).
    let default_difficulty_rows: Vec<usize> = settled
        .questions
        .iter()
        .zip(&plan.entries)
        .filter(|(q, e)| !q.difficulty_given && e.outcome == Outcome::New)
        .map(|(q, _)| q.row)
        .collect();
    let counts = Counts::of(&plan);
    let written: Vec<String> = plan
        .writes
        .keys()
        .map(|rel| args.out.join(rel).display().to_string())
        .collect();
    if args.json {
        let report = Report {
            ok: !problems,
            file: args.file.display().to_string(),
            sheet: table.worksheet.as_deref(),
            encoding: table.encoding,
            out: args.out.display().to_string(),
            dry_run: args.dry_run,
            new: counts.new,
            unchanged: counts.unchanged,
            updated: counts.updated,
            changed_not_written: counts.held_back,
            rejected_rows,
            new_categories: &plan.new_categories,
            written,
            questions: &plan.entries,
            rejections: &rejections,
            ignored_columns: &columns.ignored,
            default_difficulty_rows: &default_difficulty_rows,
        };
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(Status::from_problems(problems));
    }

    let place = match &table.worksheet {
        Some(sheet) => format!("{} [{sheet}]", args.file.display()),
        None => args.file.display().to_string(),
    };
    for r in &rejections {
        let column = r
            .column
            .as_ref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default();
        eprintln!(
            "rejected: {place} row {}{column}: {}\n  = help: {}",
            r.row, r.message, r.hint
        );
    }
    for entry in &plan.entries {
        if let Outcome::Changed {
            differences,
            applied,
            origin,
        } = &entry.outcome
        {
            let what = differences.join(", ");
            if *applied {
                eprintln!(
                    "updated: {} (row {}) at {origin}: {what}",
                    entry.id, entry.row
                );
            } else {
                eprintln!(
                    "changed: {} (row {}) differs from the bank at {origin}: {what}\n  = help: not written; run again with --update to apply the sheet's version",
                    entry.id, entry.row
                );
            }
        }
    }
    let header = args.out.join("bank.toml");
    for c in &plan.new_categories {
        eprintln!(
            "new category: {} \"{}\" added to {}; its title_en is the title for now, edit it there",
            c.id,
            c.title,
            header.display()
        );
    }
    if !columns.ignored.is_empty() {
        eprintln!(
            "note: ignored columns: {} (map them with --columns if they matter)",
            columns.ignored.join(", ")
        );
    }
    if !default_difficulty_rows.is_empty() {
        let rows: Vec<String> = default_difficulty_rows
            .iter()
            .map(ToString::to_string)
            .collect();
        eprintln!(
            "note: {} row(s) give no difficulty and got {} (rows {})",
            rows.len(),
            import::DEFAULT_DIFFICULTY,
            abbreviate(&rows)
        );
    }
    let mut read_as = Vec::new();
    if let Some(e) = table.encoding {
        read_as.push(e.to_string());
    }
    read_as.push(format!("header on row {}", columns.header_row));
    let verb = if args.dry_run { "would write" } else { "wrote" };
    let wrote = if written.is_empty() {
        "nothing written".to_string()
    } else {
        format!("{verb} {}", written.join(", "))
    };
    let mut parts = vec![
        format!("{} new", counts.new),
        format!("{} unchanged", counts.unchanged),
    ];
    if counts.updated > 0 {
        parts.push(format!("{} updated", counts.updated));
    }
    if counts.held_back > 0 {
        parts.push(format!(
            "{} changed but not written (use --update)",
            counts.held_back
        ));
    }
    parts.push(format!("{rejected_rows} row(s) rejected"));
    eprintln!(
        "{place} ({}): {}; {wrote}",
        read_as.join(", "),
        parts.join(", ")
    );
    if settled.questions.is_empty() && rejected_rows == 0 {
        eprintln!(
            "{place}: no question rows below the header (row {}); nothing to import",
            columns.header_row
        );
    } else if rejected_rows > 0 {
        eprintln!(
            "fix the rejected rows in the sheet and import it again: the rows already imported are recognised by their id and not added twice"
        );
    }
    Ok(Status::from_problems(problems))
}

/// How many imported questions had each outcome.
struct Counts {
    new: usize,
    unchanged: usize,
    updated: usize,
    held_back: usize,
}

impl Counts {
    fn of(plan: &merge::Plan) -> Self {
        Self {
            new: plan.count(|o| *o == Outcome::New),
            unchanged: plan.count(|o| *o == Outcome::Unchanged),
            updated: plan.count(|o| matches!(o, Outcome::Changed { applied: true, .. })),
            held_back: plan.held_back(),
        }
    }
}

/// `2, 3, 4, … (12 in all)` for long lists.
fn abbreviate(items: &[String]) -> String {
    if items.len() <= 10 {
        items.join(", ")
    } else {
        format!("{}, … ({} in all)", items[..10].join(", "), items.len())
    }
}

/// The bank folder as it is: its bank (which must be free of errors) and
/// the text of its TOML files.
fn read_existing(dir: &Path) -> Result<Existing> {
    let mut existing = Existing {
        bank: None,
        files: BTreeMap::new(),
        dir: dir.to_path_buf(),
    };
    if !dir.exists() {
        return Ok(existing);
    }
    if !dir.is_dir() {
        bail!(
            "{} is a file; --out takes the bank folder (holding bank.toml)",
            dir.display()
        );
    }
    for path in bank::toml_files(dir).all_or_first_error()? {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
        existing.files.insert(rel, text);
    }
    if !dir.join("bank.toml").exists() {
        if let Some(file) = existing.files.keys().next() {
            bail!(
                "{} holds TOML files ({}) but no bank.toml; import into a bank folder or a new one",
                dir.display(),
                file.display()
            );
        }
        return Ok(existing);
    }
    let loaded = bank::load(dir);
    if loaded.has_errors() {
        for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{d}");
        }
        bail!(
            "the bank in {} has errors (above); fix them first (`certexam bank check {}`), then import again",
            dir.display(),
            dir.display()
        );
    }
    existing.bank = loaded.bank;
    Ok(existing)
}

/// Loads the bank as it will be after the import (in a temporary folder)
/// with the real loader: it must have no error, and every question written
/// must read back with the digest it was meant to have.
fn verify(existing: &Existing, plan: &merge::Plan) -> Result<()> {
    let temp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut files = existing.files.clone();
    files.extend(plan.writes.clone());
    for (rel, text) in &files {
        let path = temp.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let loaded = bank::load(temp.path());
    let shown = |text: String| {
        text.replace(
            &temp.path().display().to_string(),
            &existing.dir.display().to_string(),
        )
    };
    if loaded.has_errors() {
        for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{}", shown(d.to_string()));
        }
        bail!(
            "the imported bank would not pass `certexam bank check` (problems above); nothing was written. This is a bug in certexam: please report it with the sheet"
        );
    }
    let bank = loaded.bank.context("the imported bank has no bank.toml")?;
    for q in &plan.written {
        let read_back = bank.question(&q.id).map(bank::Question::digest);
        if read_back.as_deref() != Some(q.digest().as_str()) {
            bail!(
                "question {} would not read back as imported; nothing was written. This is a bug in certexam: please report it with the sheet",
                q.id
            );
        }
    }
    Ok(())
}

//! `certexam bank export`: a bank out to the LMS a trainer already runs —
//! Moodle XML, GIFT — or to the Excel-style CSV that `bank import` reads.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::Status;
use crate::bank;
use crate::bankio::{self, csv_out, gift, moodle};
use crate::fsutil;

/// The formats a bank can be exported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Moodle XML (Question bank → Import → Moodle XML format).
    MoodleXml,
    /// GIFT text (Moodle and other LMSs).
    Gift,
    /// The Excel-style sheet `bank import` reads (UTF-8 with BOM).
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bank folder (holding bank.toml).
    #[arg(default_value = "question_bank")]
    pub dir: PathBuf,
    /// What to write.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to write (replaced if it exists); `-` for standard output.
    #[arg(long)]
    pub out: PathBuf,
    /// Export only this category (by id); repeat for several.
    #[arg(long, value_name = "ID")]
    pub category: Vec<String>,
}

pub fn run(args: &Args) -> Result<Status> {
    let loaded = bank::load(&args.dir);
    let dir = args.dir.display();
    let bank = match loaded.bank {
        Some(bank) if !loaded.diagnostics.iter().any(|d| d.is_error()) => bank,
        _ => {
            for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
                eprintln!("{d}");
            }
            eprintln!(
                "{dir}: the bank has errors (above); nothing exported. Fix them (`certexam bank check {dir}`) and export again"
            );
            return Ok(Status::Problems);
        }
    };
    for id in &args.category {
        if bank.category(id).is_none() {
            let ids: Vec<&str> = bank.categories.iter().map(|c| c.id.as_str()).collect();
            bail!(
                "--category {id}: the bank has no such category; its categories are {}",
                ids.join(", ")
            );
        }
    }
    let questions = bankio::export_order(&bank, &args.category);
    let bytes = match args.format {
        Format::MoodleXml => moodle::write(&bank, &questions).into_bytes(),
        Format::Gift => gift::write(&bank, &questions).into_bytes(),
        Format::Csv => csv_out::write(&bank, &questions),
    };
    let to_stdout = args.out.as_os_str() == "-";
    if to_stdout {
        std::io::stdout()
            .write_all(&bytes)
            .context("cannot write to standard output")?;
    } else {
        fsutil::write_atomic(&args.out, &bytes)?;
    }
    let categories = {
        let mut ids: Vec<&str> = questions.iter().map(|q| q.category.as_str()).collect();
        ids.dedup();
        ids.len()
    };
    if args.format == Format::Csv {
        // Import splits the 标签 cell at these, so such a tag would come back as two.
        let split: Vec<&str> = questions
            .iter()
            .filter(|q| {
                q.tags
                    .iter()
                    .any(|t| t.contains([',', '，', ';', '；', '、', '\n']))
            })
            .map(|q| q.id.as_str())
            .collect();
        if !split.is_empty() {
            eprintln!(
                "note: {} question(s) have a tag with a comma, semicolon or 、 in it ({}); importing this CSV splits such a tag in two",
                split.len(),
                split.join(", ")
            );
        }
    }
    if args.format == Format::Gift {
        for w in gift::warnings(&bank, &questions) {
            eprintln!("warning: {w}");
        }
    }
    let fixed = questions.iter().filter(|q| q.fixed_order).count();
    if args.format == Format::Gift && fixed > 0 {
        eprintln!(
            "note: GIFT cannot say \"keep the option order\"; {fixed} question(s) with fixed_order will have their options shuffled if the quiz shuffles answers (Moodle XML keeps it)"
        );
    }
    eprintln!(
        "exported {} question(s) in {categories} {} from {dir} to {}",
        questions.len(),
        if categories == 1 {
            "category"
        } else {
            "categories"
        },
        if to_stdout {
            "standard output".to_string()
        } else {
            args.out.display().to_string()
        }
    );
    Ok(Status::Ok)
}

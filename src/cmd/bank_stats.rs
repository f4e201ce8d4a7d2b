//! `certexam bank stats`: how many questions of each category, type and
//! difficulty a bank holds, so a trainer can see what an exam may ask for.

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::Status;
use crate::bank::{self, QuestionType};
use crate::table::Table;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The bank folder (holding bank.toml).
    #[arg(default_value = "question_bank")]
    pub dir: PathBuf,
    /// Print the counts as JSON on stdout, for scripts.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &Args) -> Result<Status> {
    let loaded = bank::load(&args.dir);
    let Some(bank) = loaded.bank.as_ref() else {
        for d in &loaded.diagnostics {
            eprintln!("{d}");
        }
        bail!(
            "cannot read the bank in {}; run `certexam bank check {}`",
            args.dir.display(),
            args.dir.display()
        );
    };
    let stats = bank::stats(bank);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    } else {
        println!(
            "{} {} — {} questions",
            stats.name, stats.version, stats.total
        );
        println!("bank digest {}", stats.digest);
        println!();
        let mut table = Table::new(["category", "type", "d1", "d2", "d3", "d4", "d5", "total"]);
        for c in &stats.categories {
            for t in QuestionType::ALL {
                let row = c.by_type.get(&t).copied().unwrap_or_default();
                let mut cells = vec![format!("{} {}", c.id, c.title), t.as_str().to_string()];
                cells.extend(row.iter().map(ToString::to_string));
                cells.push(row.iter().sum::<usize>().to_string());
                table.row(cells);
            }
            let mut all = vec![String::new(); 7];
            all[1] = "all".into();
            all.push(c.total.to_string());
            table.row(all);
        }
        let mut total = vec![String::new(); 7];
        total[0] = "total".into();
        total.push(stats.total.to_string());
        table.row(total);
        print!("{}", table.render());
    }
    if loaded.has_errors() {
        eprintln!(
            "note: questions with errors are not counted; run `certexam bank check {}`",
            args.dir.display()
        );
    }
    Ok(Status::from_problems(loaded.has_errors()))
}

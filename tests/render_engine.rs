//! The render pipeline's failure paths with a stand-in for typst (the
//! `Engine` trait): a paper typst rejects, a typst that is killed, a
//! machine without a Chinese font, and documents (certificates) compiled
//! at the same time. These are in addition to tests/render.rs, which runs
//! the real typst; the papers here are drawn by the real `certexam draw`.

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use certexam::archive::certificate::CertificateData;
use certexam::paper::{self, Paper};
use certexam::render::document::DocumentOptions;
use certexam::render::engine::Engine;
use certexam::render::typst::{Compile, FontFamily, TypstError, Version};
use certexam::render::{self, Kind, RenderError, RenderOptions};

mod support;

/// What the stand-in does with a compile.
#[derive(Debug, Default)]
struct FakeTypst {
    /// Families it sees (all embedded, as typst's own fonts are).
    fonts: Vec<&'static str>,
    /// Data holding this text is refused, with a message naming the build
    /// folder as typst does.
    refuse: Option<String>,
    /// Every compile is killed by SIGKILL.
    killed: bool,
    /// Each compile waits (up to 10 s) until this many run at once.
    wait_for: usize,
    running: AtomicUsize,
    most: AtomicUsize,
    /// Templates compiled, in the order they finished.
    compiled: Mutex<Vec<String>>,
}

impl FakeTypst {
    fn with_fonts() -> FakeTypst {
        FakeTypst {
            fonts: vec![
                "Noto Serif CJK SC",
                "Noto Sans CJK SC",
                "Libertinus Serif",
                "DejaVu Sans",
            ],
            ..FakeTypst::default()
        }
    }
}

impl Engine for FakeTypst {
    fn program(&self) -> &Path {
        Path::new("/fake/typst")
    }

    fn version(&self) -> Version {
        Version(0, 15, 1)
    }

    fn font_files(&self, _: &[PathBuf]) -> Result<Vec<FontFamily>, TypstError> {
        Ok(self
            .fonts
            .iter()
            .map(|name| FontFamily {
                name: name.to_string(),
                files: Vec::new(),
                embedded: true,
            })
            .collect())
    }

    fn compile(&self, c: &Compile<'_>, _extra: &[&str]) -> Result<(), TypstError> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        for _ in 0..10_000 {
            if self.running.load(Ordering::SeqCst) >= self.wait_for {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let result = self.outcome(c);
        self.running.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

impl FakeTypst {
    fn outcome(&self, c: &Compile<'_>) -> Result<(), TypstError> {
        let data = &c.inputs.iter().find(|(k, _)| *k == "data").unwrap().1;
        let text = fs::read_to_string(c.root.join(data.trim_start_matches('/'))).unwrap();
        let failed = |status: ExitStatus, stderr: String| TypstError::Failed {
            program: self.program().to_path_buf(),
            args: Vec::new(),
            status,
            stderr,
        };
        if self.killed {
            return Err(failed(ExitStatus::from_raw(9), String::new()));
        }
        if let Some(bad) = self.refuse.as_deref().filter(|bad| text.contains(bad)) {
            let message = format!(
                "error: cannot print {bad}\n  ┌─ {}/paper.typ:3:1\n",
                c.root.display()
            );
            return Err(failed(ExitStatus::from_raw(1 << 8), message));
        }
        fs::write(c.output, format!("%PDF-fake\n{text}")).unwrap();
        let template = c.input.file_name().unwrap().to_string_lossy().into_owned();
        self.compiled.lock().unwrap().push(template);
        Ok(())
    }
}

/// Draws the example exam for three candidates into `dir/exam`.
fn three_papers(dir: &Path) -> Vec<(PathBuf, Paper)> {
    let roster = dir.join("roster.csv");
    fs::write(&roster, "id,name\nR001,甲\nR002,乙\nR003,丙\n").unwrap();
    support::certexam()
        .args(["draw", "--blueprint", "examples/blueprint.toml"])
        .args(["--seed", "engine-test", "--roster"])
        .arg(&roster)
        .arg("--out")
        .arg(dir.join("exam"))
        .assert()
        .success();
    paper::read_dir(&dir.join("exam")).unwrap()
}

fn options(out: &Path) -> RenderOptions {
    RenderOptions {
        out: out.to_path_buf(),
        templates: None,
        font_paths: Vec::new(),
        per_paper: false,
        jobs: 2,
        bundle_size: 100,
        full_keys: false,
        shard: None,
        keep_build: None,
    }
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().display().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn a_paper_typst_rejects_is_named_and_the_others_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let papers = three_papers(dir.path());
    let fake = FakeTypst {
        refuse: Some("R002".into()),
        ..FakeTypst::with_fonts()
    };
    let out = dir.path().join("out");
    let report = render::render_papers(&fake, &papers, &options(&out), &|_| {}).unwrap();

    let print: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.kind == Kind::Print)
        .collect();
    assert_eq!(print.len(), 1, "{:#?}", report.failures);
    assert_eq!(print[0].papers, ["R002"]);
    // typst's message, naming the template as the trainer knows it.
    assert_eq!(
        print[0].message,
        "error: cannot print R002\n  ┌─ paper.typ:3:1"
    );
    let printed = report
        .outputs
        .iter()
        .find(|o| o.kind == Kind::Print)
        .expect("the bundle of the other papers is made");
    assert_eq!(printed.papers, ["R001", "R003"]);
    let pdf = fs::read_to_string(&printed.path).unwrap();
    assert!(pdf.contains("R001") && pdf.contains("R003") && !pdf.contains("R002"));
    // No temporary PDF is left beside the real ones.
    assert!(
        files(&out).iter().all(|f| !f.contains(".tmp")),
        "{:?}",
        files(&out)
    );
}

#[test]
fn a_killed_typst_makes_no_pdf_and_says_it_was_killed() {
    let dir = tempfile::tempdir().unwrap();
    let papers = three_papers(dir.path());
    let fake = FakeTypst {
        killed: true,
        ..FakeTypst::with_fonts()
    };
    let out = dir.path().join("out");
    let report = render::render_papers(&fake, &papers, &options(&out), &|_| {}).unwrap();

    assert!(report.outputs.is_empty(), "{:#?}", report.outputs);
    // Print bundle, keys, explanations: each reported once, for all papers.
    let kinds: Vec<Kind> = report.failures.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::Print, Kind::Keys, Kind::Explanations]);
    for f in &report.failures {
        assert_eq!(f.papers, ["R001", "R002", "R003"]);
        assert!(f.message.contains("signal: 9"), "{}", f.message);
        assert!(f.message.contains("/fake/typst"), "{}", f.message);
    }
    assert_eq!(files(&out), Vec::<String>::new());
}

#[test]
fn no_chinese_font_stops_before_any_pdf_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let papers = three_papers(dir.path());
    let fake = FakeTypst {
        fonts: vec!["DejaVu Sans", "Libertinus Serif"],
        ..FakeTypst::default()
    };
    let out = dir.path().join("out");
    let err = render::render_papers(&fake, &papers, &options(&out), &|_| {}).unwrap_err();

    assert!(matches!(err, RenderError::NoCjkFont { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.starts_with("the papers contain Chinese, but typst sees none of the template's CJK fonts (Noto Serif CJK SC"),
        "{message}"
    );
    assert!(message.contains("fonts-noto-cjk"), "{message}");
    assert!(fake.compiled.lock().unwrap().is_empty());
    assert!(!out.exists() || files(&out).is_empty());
}

fn certificate(candidate: &str) -> CertificateData {
    CertificateData {
        name: "张三".into(),
        candidate: candidate.into(),
        department: "客服部".into(),
        exam_id: "CS-CERT-2026Q4".into(),
        exam_title: "网店客服上岗认证".into(),
        date: "2026-12-01".into(),
        total: "90".into(),
        max: "100".into(),
        percent: "90".into(),
        valid_until: "2028-11-30".into(),
        fingerprint: "3f9a1c0b7d2e4f68".into(),
        sha256: "ab".repeat(32),
        record: "records/x.toml".into(),
        issued: "2026-12-02".into(),
        qr: String::new(),
    }
}

fn render_certificates(fake: &FakeTypst, out: &Path, jobs: usize) -> Vec<Result<(), String>> {
    let certificates: Vec<(CertificateData, PathBuf)> = ["E1", "E2", "E3", "E4"]
        .iter()
        .map(|c| (certificate(c), out.join(format!("{c}.pdf"))))
        .collect();
    let opts = DocumentOptions {
        templates: None,
        font_paths: Vec::new(),
        jobs,
    };
    render::certificate::render_certificates(fake, &certificates, 0, &opts, &|_| {})
        .unwrap()
        .into_iter()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn certificates_are_made_at_the_same_time_with_two_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTypst {
        wait_for: 2,
        ..FakeTypst::with_fonts()
    };
    let results = render_certificates(&fake, dir.path(), 2);
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.most.load(Ordering::SeqCst), 2);
    assert_eq!(*fake.compiled.lock().unwrap(), ["certificate.typ"; 4]);
    // Each certificate's data reaches its own PDF, with its own QR code.
    let e3 = fs::read_to_string(dir.path().join("E3.pdf")).unwrap();
    assert!(e3.contains("\"candidate\": \"E3\""), "{e3}");
    assert!(e3.contains("\"qr\": \"/d2/qr.svg\""), "{e3}");

    let one = FakeTypst {
        wait_for: 2,
        ..FakeTypst::with_fonts()
    };
    render_certificates(&one, &dir.path().join("one"), 1);
    assert_eq!(one.most.load(Ordering::SeqCst), 1);
}

#[test]
fn a_certificate_typst_rejects_is_the_only_one_missing() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTypst {
        refuse: Some("\"E2\"".into()),
        ..FakeTypst::with_fonts()
    };
    let results = render_certificates(&fake, dir.path(), 2);
    assert!(results[0].is_ok() && results[2].is_ok() && results[3].is_ok());
    let message = results[1].as_ref().unwrap_err();
    assert!(
        message.starts_with("error: cannot print \"E2\""),
        "{message}"
    );
    assert!(
        !message.contains(&std::env::temp_dir().display().to_string()),
        "{message}"
    );
    assert_eq!(files(dir.path()), ["E1.pdf", "E3.pdf", "E4.pdf"]);
}

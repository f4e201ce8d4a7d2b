//! poppler-utils, the one place certexam runs them: `pdfinfo` (how many
//! pages a scanned PDF has), `pdftoppm` (a scanned page as a grey image)
//! and `pdftotext` (a certificate's text, to check it). One error type names
//! the program, the file, the exit status and what the program said, so a
//! broken scan and a missing poppler read the same wherever they happen.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use image::GrayImage;

/// Why a poppler program gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum PopplerError {
    #[error(
        "cannot run {program} to read {}: {reason}; install poppler-utils (scripts/setup.sh does)",
        path.display()
    )]
    Spawn {
        program: &'static str,
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{program} could not read {}{} ({status}): {stderr}", path.display(), page_suffix(*page))]
    Failed {
        program: &'static str,
        path: PathBuf,
        /// The page asked for, when one was.
        page: Option<u32>,
        status: ExitStatus,
        stderr: String,
    },
    #[error("{program} read {}{} but gave {message}", path.display(), page_suffix(*page))]
    Output {
        program: &'static str,
        path: PathBuf,
        page: Option<u32>,
        message: String,
    },
}

fn page_suffix(page: Option<u32>) -> String {
    page.map_or_else(String::new, |p| format!(" page {p}"))
}

/// Runs `program args…` on `path` (which `args` holds) and returns what it
/// wrote. The child is
/// registered with [`crate::cleanup`] so Ctrl-C stops it too; stdout and
/// stderr are collected together, so a chatty child never blocks on a pipe.
fn run(
    program: &'static str,
    args: &[&OsStr],
    path: &Path,
    page: Option<u32>,
) -> Result<Vec<u8>, PopplerError> {
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = crate::cleanup::output(&mut command).map_err(|reason| PopplerError::Spawn {
        program,
        path: path.to_path_buf(),
        reason,
    })?;
    if !output.status.success() {
        return Err(PopplerError::Failed {
            program,
            path: path.to_path_buf(),
            page,
            status: output.status,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(output.stdout)
}

/// The number of pages of a PDF (`pdfinfo`).
pub fn page_count(pdf: &Path) -> Result<u32, PopplerError> {
    let out = run("pdfinfo", &[pdf.as_os_str()], pdf, None)?;
    String::from_utf8_lossy(&out)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| PopplerError::Output {
            program: "pdfinfo",
            path: pdf.to_path_buf(),
            page: None,
            message: "no page count".into(),
        })
}

/// One page of a PDF (from 1) as a grey image at `dpi` (`pdftoppm -gray`).
pub fn gray_page(pdf: &Path, page: u32, dpi: u32) -> Result<GrayImage, PopplerError> {
    let n = page.to_string();
    let dpi = dpi.to_string();
    let args: [&OsStr; 9] = [
        "-r".as_ref(),
        dpi.as_ref(),
        "-gray".as_ref(),
        "-f".as_ref(),
        n.as_ref(),
        "-l".as_ref(),
        n.as_ref(),
        "-singlefile".as_ref(),
        pdf.as_os_str(),
    ];
    let out = run("pdftoppm", &args, pdf, Some(page))?;
    parse_pgm(&out).ok_or_else(|| PopplerError::Output {
        program: "pdftoppm",
        path: pdf.to_path_buf(),
        page: Some(page),
        message: "no image".into(),
    })
}

/// The text of a PDF (`pdftotext -enc UTF-8`), pages separated by form feeds.
pub fn text(pdf: &Path) -> Result<String, PopplerError> {
    // `-` after the input: the text goes to stdout.
    let args: [&OsStr; 4] = [
        "-enc".as_ref(),
        "UTF-8".as_ref(),
        pdf.as_os_str(),
        "-".as_ref(),
    ];
    let out = run("pdftotext", &args, pdf, None)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Parses the binary PGM (`P5`, 8 bit) that `pdftoppm -gray` writes.
fn parse_pgm(bytes: &[u8]) -> Option<GrayImage> {
    let mut fields = Vec::new();
    let mut i = 2;
    if !bytes.starts_with(b"P5") {
        return None;
    }
    while fields.len() < 3 {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'#') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .ok()?
                .parse::<u32>()
                .ok()?,
        );
    }
    let (w, h, max) = (fields[0], fields[1], fields[2]);
    if max != 255 {
        return None;
    }
    let len = usize::try_from(u64::from(w) * u64::from(h)).ok()?;
    let data = bytes.get(i + 1..(i + 1).checked_add(len)?)?;
    GrayImage::from_raw(w, h, data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgm_from_pdftoppm_is_parsed() {
        let mut bytes = b"P5\n3 2\n255\n".to_vec();
        bytes.extend([0, 1, 2, 3, 4, 5]);
        let img = parse_pgm(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (3, 2));
        assert_eq!(img.get_pixel(2, 1).0, [5]);
        assert!(parse_pgm(b"P6\n1 1\n255\n\0\0\0").is_none());
        // A header promising more pixels than follow is no image, not a panic.
        assert!(parse_pgm(b"P5\n4000000000 4000000000\n255\n\0").is_none());
    }

    /// The errors a user sees name the program, the file and the page.
    #[test]
    fn a_missing_or_failing_program_is_named_with_its_file() {
        let missing = run(
            "certexam-no-such-poppler",
            &["x.pdf".as_ref()],
            Path::new("x.pdf"),
            Some(2),
        )
        .unwrap_err();
        assert!(matches!(missing, PopplerError::Spawn { .. }));
        assert!(
            missing
                .to_string()
                .starts_with("cannot run certexam-no-such-poppler to read x.pdf: "),
            "{missing}"
        );
        let failed = run(
            "sh",
            &["-c".as_ref(), "echo broken xref >&2; exit 3".as_ref()],
            Path::new("scan.pdf"),
            Some(4),
        )
        .unwrap_err();
        assert_eq!(
            failed.to_string(),
            "sh could not read scan.pdf page 4 (exit status: 3): broken xref"
        );
    }
}

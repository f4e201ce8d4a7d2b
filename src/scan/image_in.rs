//! Scanned pages in, grey images out: PDF pages through poppler's
//! `pdftoppm` (the only place that runs it), JPEG through a DCT-scaling
//! decoder so a 300 dpi page costs a quarter of a full decode, and PNG/TIFF
//! through the `image` crate. Every page comes out at roughly the working
//! resolution ([`TARGET_DPI`]); the reader needs no more for 4.4 mm bubbles.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use image::GrayImage;

use crate::sheet::PAGE_WIDTH;

/// The resolution pages are read at: 150 dpi is about 6 pixels a millimetre.
pub const TARGET_DPI: f64 = 150.0;

/// Pixels per millimetre at [`TARGET_DPI`].
pub fn target_ppm() -> f64 {
    TARGET_DPI / 25.4
}

/// One page to read: a file and, for a PDF, which page of it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageRef {
    pub file: PathBuf,
    /// Page of the file, from 1 (always 1 for an image file).
    pub page: u32,
    pub kind: Kind,
}

/// How a file is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Pdf,
    Jpeg,
    /// PNG, TIFF and anything else the `image` crate knows.
    Other,
}

/// Why a scan file or page could not be turned into an image.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: not a readable image ({message}); scan it again or export it as JPEG, PNG or PDF", path.display())]
    Decode { path: PathBuf, message: String },
    #[error(
        "cannot run {program} to read {}: {source}; install poppler-utils (scripts/setup.sh)",
        path.display()
    )]
    Spawn {
        program: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{program} failed on {} page {page} ({status}): {stderr}", path.display())]
    Failed {
        program: &'static str,
        path: PathBuf,
        page: u32,
        status: std::process::ExitStatus,
        stderr: String,
    },
    #[error("{} is not a scan: use PDF, JPEG, PNG or TIFF files", path.display())]
    NotAScan { path: PathBuf },
}

/// What kind of file `path` is, by its extension.
pub fn kind_of(path: &Path) -> Option<Kind> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => Some(Kind::Pdf),
        "jpg" | "jpeg" => Some(Kind::Jpeg),
        "png" | "tif" | "tiff" => Some(Kind::Other),
        _ => None,
    }
}

/// The pages of the scan files and folders given (a folder: its scan
/// files sorted by name). Files that are not scans or cannot be opened
/// are returned as errors, so they are reported and the rest still read.
pub fn list_pages(paths: &[PathBuf]) -> (Vec<PageRef>, Vec<LoadError>) {
    let mut pages = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let files: Vec<PathBuf> = if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut files: Vec<PathBuf> = entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| {
                            !p.file_name()
                                .unwrap_or_default()
                                .to_string_lossy()
                                .starts_with('.')
                                && kind_of(p).is_some()
                        })
                        .collect();
                    files.sort();
                    files
                }
                Err(source) => {
                    errors.push(LoadError::Io {
                        path: path.clone(),
                        source,
                    });
                    continue;
                }
            }
        } else {
            vec![path.clone()]
        };
        for file in files {
            match kind_of(&file) {
                None => errors.push(LoadError::NotAScan { path: file }),
                Some(Kind::Pdf) => match pdf_page_count(&file) {
                    Ok(n) => pages.extend((1..=n).map(|page| PageRef {
                        file: file.clone(),
                        page,
                        kind: Kind::Pdf,
                    })),
                    Err(e) => errors.push(e),
                },
                Some(kind) => {
                    if let Err(source) = std::fs::metadata(&file) {
                        errors.push(LoadError::Io { path: file, source });
                    } else {
                        pages.push(PageRef {
                            file,
                            page: 1,
                            kind,
                        });
                    }
                }
            }
        }
    }
    (pages, errors)
}

fn run_poppler(
    program: &'static str,
    args: &[&std::ffi::OsStr],
    path: &Path,
    page: u32,
) -> Result<Vec<u8>, LoadError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| LoadError::Spawn {
            program,
            path: path.to_path_buf(),
            source,
        })?;
    // Read stderr on a thread so a chatty child cannot block on a full pipe.
    let mut stderr = child.stderr.take().expect("piped");
    let errs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut out = Vec::new();
    let read = child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut out)
        .map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        });
    let status = child.wait().map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let stderr = errs.join().unwrap_or_default();
    read?;
    if !status.success() {
        return Err(LoadError::Failed {
            program,
            path: path.to_path_buf(),
            page,
            status,
            stderr: stderr.trim().to_string(),
        });
    }
    Ok(out)
}

/// The number of pages of a PDF, from poppler's `pdfinfo`.
fn pdf_page_count(path: &Path) -> Result<u32, LoadError> {
    let out = run_poppler("pdfinfo", &[path.as_os_str()], path, 0)?;
    let text = String::from_utf8_lossy(&out);
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| LoadError::Decode {
            path: path.to_path_buf(),
            message: "pdfinfo reports no page count".into(),
        })
}

/// Loads one page as a grey image at about [`TARGET_DPI`].
pub fn load(page: &PageRef) -> Result<GrayImage, LoadError> {
    match page.kind {
        Kind::Pdf => load_pdf_page(&page.file, page.page),
        Kind::Jpeg => {
            let bytes = read(&page.file)?;
            match decode_jpeg_scaled(&bytes) {
                Ok(img) => Ok(img),
                Err(message) => Err(LoadError::Decode {
                    path: page.file.clone(),
                    message,
                }),
            }
        }
        Kind::Other => {
            let bytes = read(&page.file)?;
            let img = image::load_from_memory(&bytes).map_err(|e| LoadError::Decode {
                path: page.file.clone(),
                message: e.to_string(),
            })?;
            Ok(downscale(img.to_luma8()))
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn load_pdf_page(path: &Path, page: u32) -> Result<GrayImage, LoadError> {
    let n = page.to_string();
    let dpi = format!("{}", TARGET_DPI as u32);
    let args: Vec<&std::ffi::OsStr> = vec![
        "-r".as_ref(),
        dpi.as_ref(),
        "-gray".as_ref(),
        "-f".as_ref(),
        n.as_ref(),
        "-l".as_ref(),
        n.as_ref(),
        "-singlefile".as_ref(),
        path.as_os_str(),
    ];
    let out = run_poppler("pdftoppm", &args, path, page)?;
    parse_pgm(&out).ok_or_else(|| LoadError::Decode {
        path: path.to_path_buf(),
        message: format!("pdftoppm gave no image for page {page}"),
    })
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
    let data = bytes.get(i + 1..i + 1 + (w * h) as usize)?;
    GrayImage::from_raw(w, h, data.to_vec())
}

/// Decodes a JPEG straight to about [`TARGET_DPI`], using the decoder's
/// DCT scaling (1/2, 1/4, 1/8) so most of the work of a full decode is skipped.
pub fn decode_jpeg_scaled(bytes: &[u8]) -> Result<GrayImage, String> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(|e| e.to_string())?;
    let info = decoder.info().ok_or("no JPEG header")?;
    let ppm = f64::from(info.width) / PAGE_WIDTH;
    // A 300 dpi page is 1.9998 times the target: round that to 2.
    let factor = (ppm / target_ppm() + 0.1).floor().clamp(1.0, 8.0);
    let want_w = (f64::from(info.width) / factor).ceil() as u16;
    let want_h = (f64::from(info.height) / factor).ceil() as u16;
    let (w, h) = decoder
        .scale(want_w.max(1), want_h.max(1))
        .map_err(|e| e.to_string())?;
    let pixels = decoder.decode().map_err(|e| e.to_string())?;
    let info = decoder.info().ok_or("no JPEG header")?;
    let (w, h) = (u32::from(w), u32::from(h));
    let n = (w * h) as usize;
    let grey: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => pixels,
        jpeg_decoder::PixelFormat::L16 => pixels.chunks_exact(2).map(|p| p[0]).collect(),
        jpeg_decoder::PixelFormat::RGB24 => pixels
            .chunks_exact(3)
            .map(|p| {
                ((u32::from(p[0]) * 77 + u32::from(p[1]) * 150 + u32::from(p[2]) * 29) >> 8) as u8
            })
            .collect(),
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .map(|p| 255 - p[3].max(p[0].min(p[1]).min(p[2])))
            .collect(),
    };
    if grey.len() < n {
        return Err("the JPEG data is truncated".into());
    }
    let img = GrayImage::from_raw(w, h, grey[..n].to_vec()).ok_or("bad JPEG size")?;
    Ok(downscale(img))
}

/// Averages whole blocks of pixels down to about [`TARGET_DPI`]; an image
/// already at or below it is kept as it is.
pub fn downscale(img: GrayImage) -> GrayImage {
    let ppm = f64::from(img.width()) / PAGE_WIDTH;
    // A 300 dpi page is 1.9998 times the target: round that to 2.
    let factor = (ppm / target_ppm() + 0.1).floor() as u32;
    if factor <= 1 {
        return img;
    }
    let (w, h) = (img.width() / factor, img.height() / factor);
    let src = img.as_raw();
    let sw = img.width() as usize;
    let f = factor as usize;
    let mut out = vec![0u8; (w * h) as usize];
    let area = (f * f) as u32;
    for y in 0..h as usize {
        for x in 0..w as usize {
            let mut sum = 0u32;
            for dy in 0..f {
                let row = (y * f + dy) * sw + x * f;
                sum += src[row..row + f].iter().map(|&v| u32::from(v)).sum::<u32>();
            }
            out[y * w as usize + x] = (sum / area) as u8;
        }
    }
    GrayImage::from_raw(w, h, out).expect("sized")
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
    }

    #[test]
    fn a_300_dpi_page_is_halved_and_a_150_dpi_page_kept() {
        let big = GrayImage::from_pixel(2480, 10, image::Luma([200]));
        assert_eq!(downscale(big).width(), 1240);
        let small = GrayImage::from_pixel(1240, 10, image::Luma([200]));
        assert_eq!(downscale(small).width(), 1240);
    }

    #[test]
    fn scan_files_are_told_apart_by_extension() {
        assert_eq!(kind_of(Path::new("a/B.JPG")), Some(Kind::Jpeg));
        assert_eq!(kind_of(Path::new("s.pdf")), Some(Kind::Pdf));
        assert_eq!(kind_of(Path::new("s.tiff")), Some(Kind::Other));
        assert_eq!(kind_of(Path::new("notes.txt")), None);
    }
}

//! Scanned pages in, grey images out: PDF pages through poppler's
//! `pdftoppm` ([`crate::poppler`]), JPEG through a DCT-scaling
//! decoder so a 300 dpi page costs a quarter of a full decode, and PNG/TIFF
//! through the `image` crate. Every page comes out at roughly the working
//! resolution ([`TARGET_DPI`]); the reader needs no more for 4.4 mm bubbles.

use std::path::{Path, PathBuf};

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
    #[error("cannot read {}: {reason}", path.display())]
    Io {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("{}: not a readable image ({message}); scan it again or export it as JPEG, PNG or PDF", path.display())]
    Decode { path: PathBuf, message: String },
    #[error(transparent)]
    Poppler(#[from] crate::poppler::PopplerError),
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
            let found = crate::discover::files(path, crate::discover::Depth::Flat, |p| {
                kind_of(p).is_some()
            });
            errors.extend(found.errors.into_iter().map(|e| LoadError::Io {
                path: e.path,
                reason: e.reason,
            }));
            found.files
        } else {
            vec![path.clone()]
        };
        for file in files {
            match kind_of(&file) {
                None => errors.push(LoadError::NotAScan { path: file }),
                Some(Kind::Pdf) => match crate::poppler::page_count(&file) {
                    Ok(n) => pages.extend((1..=n).map(|page| PageRef {
                        file: file.clone(),
                        page,
                        kind: Kind::Pdf,
                    })),
                    Err(e) => errors.push(e.into()),
                },
                Some(kind) => {
                    if let Err(source) = std::fs::metadata(&file) {
                        errors.push(LoadError::Io {
                            path: file,
                            reason: source,
                        });
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
    std::fs::read(path).map_err(|reason| LoadError::Io {
        path: path.to_path_buf(),
        reason,
    })
}

fn load_pdf_page(path: &Path, page: u32) -> Result<GrayImage, LoadError> {
    Ok(crate::poppler::gray_page(path, page, TARGET_DPI as u32)?)
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
    block_average(&img, factor as usize)
}

/// The picture averaged over `factor` × `factor` blocks (whole blocks
/// only); at factor 1, a copy.
pub fn block_average(img: &GrayImage, factor: usize) -> GrayImage {
    if factor <= 1 {
        return img.clone();
    }
    let (sw, sh) = (img.width() as usize, img.height() as usize);
    let (w, h) = (sw / factor, sh / factor);
    let src = img.as_raw();
    let mut out = vec![0u8; w * h];
    let area = (factor * factor) as u32;
    for y in 0..h {
        for x in 0..w {
            let mut sum = 0u32;
            for dy in 0..factor {
                let row = (y * factor + dy) * sw + x * factor;
                sum += src[row..row + factor]
                    .iter()
                    .map(|&v| u32::from(v))
                    .sum::<u32>();
            }
            out[y * w + x] = (sum / area) as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("sized to fit")
}

#[cfg(test)]
mod tests {
    use super::*;

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

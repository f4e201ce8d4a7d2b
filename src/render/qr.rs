//! QR codes as typst draws them: SVG images, for the answer sheets' paper
//! id and page, and for a certificate's record fingerprint.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// A QR code as SVG, with its quiet zone, black on white.
pub fn svg(text: &str) -> String {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .expect("a paper id and page number (or a fingerprint) always fit in a QR code");
    code.render::<svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(4, 4)
        .build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn qr_code_is_an_svg_image() {
        let svg = super::svg("CERTEXAM:AS8D94X4:1");
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains("<path"));
    }
}

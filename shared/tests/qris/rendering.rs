//! The rendered QR images: PNG decoded back to the payload, its quiet zone, a self-contained SVG.

use super::*;

fn decode_png(bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::One);
    let (w, h, stride) = (info.width as usize, info.height as usize, info.line_size);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        if buf[y * stride + x / 8] & (0x80 >> (x % 8)) != 0 {
            255
        } else {
            0
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1);
    let (meta, content) = grids[0].decode().unwrap();
    assert_eq!(
        meta.ecc_level, 0b00,
        "format bits 00 = error correction M (L is 01, Q 11, H 10)"
    );
    content
}

#[test]
fn rendered_png_decodes_to_the_exact_payload() {
    let dynamic = Qris::parse(GOPAY_STATIC)
        .unwrap()
        .to_dynamic(1000, Some("UP-TEST-1"), DEFAULT_MAX_AMOUNT)
        .unwrap()
        .payload();
    for payload in [dynamic.as_str(), DEMO_STATIC] {
        let bytes = png(payload).unwrap();
        assert_eq!(decode_png(&bytes), payload);
    }
    let url = png_data_url(DEMO_STATIC).unwrap();
    assert!(
        url.starts_with("data:image/png;base64,iVBORw0KGgo"),
        "PNG signature"
    );
}

#[test]
fn png_has_a_four_module_quiet_zone() {
    let bytes = png(DEMO_STATIC).unwrap();
    let mut reader = png::Decoder::new(std::io::Cursor::new(&bytes))
        .read_info()
        .unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let border = 4 * upstream_session::qris::PNG_SCALE;
    let white = |x: usize, y: usize| buf[y * info.line_size + x / 8] & (0x80 >> (x % 8)) != 0;
    let w = info.width as usize;
    for i in 0..w {
        for d in 0..border {
            assert!(white(i, d) && white(d, i) && white(i, w - 1 - d) && white(w - 1 - d, i));
        }
    }
    assert!(
        !white(border, border),
        "the finder pattern starts right after the quiet zone"
    );
}

#[test]
fn svg_is_self_contained() {
    let s = svg(DEMO_STATIC).unwrap();
    assert!(s.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(
        s.contains("M4 4h1v1h-1z"),
        "first dark module right after the 4-module quiet zone"
    );
    assert!(!s.contains("M3 "), "nothing dark in the quiet zone");
}

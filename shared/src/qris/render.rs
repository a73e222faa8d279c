//! QR rendering: PNG (as a `data:` URL for an `<img>`) and SVG, error correction M, 4-module quiet zone.

use base64::Engine;

/// Modules of white space around the symbol.
pub const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG.
pub const PNG_SCALE: usize = 8;

/// The payload does not fit in a QR symbol.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encode a QR code: {0}")]
pub struct RenderError(String);

/// The symbol as rows of dark (`true`) modules, quiet zone included.
fn modules(payload: &str) -> Result<(usize, Vec<bool>), RenderError> {
    let (inner, symbol) =
        super::symbol::encode(payload.as_bytes()).map_err(|e| RenderError(e.to_string()))?;
    let size = inner + 2 * QUIET_ZONE;
    let mut dark = vec![false; size * size];
    for y in 0..inner {
        let row = (y + QUIET_ZONE) * size + QUIET_ZONE;
        dark[row..row + inner].copy_from_slice(&symbol[y * inner..(y + 1) * inner]);
    }
    Ok((size, dark))
}

/// A 1-bit greyscale PNG of the QR code, `PNG_SCALE` pixels per module.
pub fn png(payload: &str) -> Result<Vec<u8>, RenderError> {
    let (size, dark) = modules(payload)?;
    let px = size * PNG_SCALE;
    let row_bytes = px.div_ceil(8);
    let mut data = vec![0u8; row_bytes * px];
    // One pixel row per module row, repeated PNG_SCALE times.
    for y in 0..size {
        let first = y * PNG_SCALE * row_bytes;
        let row = &mut data[first..first + row_bytes];
        for x in (0..size).filter(|x| !dark[y * size + x]) {
            for p in x * PNG_SCALE..(x + 1) * PNG_SCALE {
                row[p / 8] |= 0x80 >> (p % 8);
            }
        }
        for k in 1..PNG_SCALE {
            data.copy_within(first..first + row_bytes, first + k * row_bytes);
        }
    }
    let mut out = Vec::with_capacity(2048);
    {
        let side = u32::try_from(px).map_err(|e| RenderError(e.to_string()))?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        // The "Up" filter turns every repeated row into zeros, which fdeflate packs to almost
        // nothing: smaller and much faster than trying every filter on every row.
        encoder.set_compression(png::Compression::Fastest);
        let mut writer = encoder
            .write_header()
            .map_err(|e| RenderError(e.to_string()))?;
        writer
            .write_image_data(&data)
            .map_err(|e| RenderError(e.to_string()))?;
    }
    Ok(out)
}

/// The PNG as a `data:image/png;base64,…` URL.
pub fn png_data_url(payload: &str) -> Result<String, RenderError> {
    let bytes = png(payload)?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

/// An SVG of the QR code, one path of unit squares, scalable without blur.
pub fn svg(payload: &str) -> Result<String, RenderError> {
    let (size, dark) = modules(payload)?;
    let mut path = String::with_capacity(dark.len() * 4);
    for y in 0..size {
        for x in 0..size {
            if dark[y * size + x] {
                path.push_str(&format!("M{x} {y}h1v1h-1z"));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>"
    ))
}

//! Turning YUV samples into RGB, by the colour matrix and range the stream declares.

/// Which luma weights a stream's YUV was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YuvMatrix {
    /// Standard definition (ITU-R BT.601).
    Bt601,
    /// High definition (ITU-R BT.709): most IP cameras' main and sub-streams.
    Bt709,
    /// Ultra-high definition (ITU-R BT.2020, non-constant luminance).
    Bt2020,
}

/// How a stream's YUV samples map to colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YuvColour {
    pub matrix: YuvMatrix,
    /// Samples use 0…255; otherwise the broadcast range, Y 16…235 and U, V 16…240.
    pub full_range: bool,
}

/// `YuvColour` as the multiply-adds that give RGB (0…255, unclamped) from Y, U, V.
#[derive(Debug, Clone, Copy)]
pub struct YuvToRgb {
    y_scale: f32,
    y_offset: f32,
    r_from_v: f32,
    g_from_u: f32,
    g_from_v: f32,
    b_from_u: f32,
}

impl YuvToRgb {
    #[inline]
    pub fn rgb(&self, y: f32, u: f32, v: f32) -> [f32; 3] {
        let (y, u, v) = (self.y_scale * (y - self.y_offset), u - 128.0, v - 128.0);
        [
            y + self.r_from_v * v,
            y - self.g_from_u * u - self.g_from_v * v,
            y + self.b_from_u * u,
        ]
    }
}

impl YuvColour {
    pub fn converter(self) -> YuvToRgb {
        let (kr, kb) = match self.matrix {
            YuvMatrix::Bt601 => (0.299, 0.114),
            YuvMatrix::Bt709 => (0.2126, 0.0722),
            YuvMatrix::Bt2020 => (0.2627, 0.0593),
        };
        let kg = 1.0 - kr - kb;
        let (y_scale, y_offset, c) = if self.full_range {
            (1.0, 0.0, 1.0)
        } else {
            (255.0 / 219.0, 16.0, 255.0 / 224.0)
        };
        YuvToRgb {
            y_scale,
            y_offset,
            r_from_v: c * 2.0 * (1.0 - kr),
            g_from_u: c * 2.0 * kb * (1.0 - kb) / kg,
            g_from_v: c * 2.0 * kr * (1.0 - kr) / kg,
            b_from_u: c * 2.0 * (1.0 - kb),
        }
    }

    /// A 4:2:0 picture's `planes` (as [`super::Pixels::Yuv420`] holds them) as tightly packed RGB
    /// rows; `None` when `planes` is not the picture's size.
    pub fn to_rgb(self, planes: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
        let [luma, u_plane, v_plane] = super::yuv420_planes(planes, width, height)?;
        let (w, cw) = (width as usize, super::chroma_size(width, height).0 as usize);
        let convert = self.converter();
        let mut rgb = Vec::with_capacity(luma.len() * 3);
        for (row, y_row) in luma.chunks_exact(w.max(1)).enumerate() {
            let c_row = (row / 2) * cw;
            for (col, &y) in y_row.iter().enumerate() {
                let at = c_row + col / 2;
                let [r, g, b] = convert.rgb(y as f32, u_plane[at] as f32, v_plane[at] as f32);
                rgb.extend_from_slice(&[to_byte(r), to_byte(g), to_byte(b)]);
            }
        }
        Some(rgb)
    }

    /// A Y sample as a grey level on the full 0…255 scale.
    pub fn grey(self, y: u8) -> u8 {
        if self.full_range {
            y
        } else {
            to_byte((y as f32 - 16.0) * 255.0 / 219.0)
        }
    }
}

fn to_byte(v: f32) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    const HD: YuvColour = YuvColour {
        matrix: YuvMatrix::Bt709,
        full_range: false,
    };
    const SD: YuvColour = YuvColour {
        matrix: YuvMatrix::Bt601,
        full_range: false,
    };

    fn one(colour: YuvColour, y: u8, u: u8, v: u8) -> [u8; 3] {
        colour.to_rgb(&[y, u, v], 1, 1).unwrap().try_into().unwrap()
    }

    #[test]
    fn broadcast_range_black_white_and_primaries_by_each_matrix() {
        assert_eq!(one(HD, 16, 128, 128), [0, 0, 0]);
        assert_eq!(one(HD, 235, 128, 128), [255, 255, 255]);
        // Published BT.709 and BT.601 8-bit codes of pure red and blue.
        let near = |got: [u8; 3], want: [u8; 3]| got.iter().zip(want).all(|(&g, w)| g.abs_diff(w) <= 2);
        assert!(
            near(one(HD, 63, 102, 240), [255, 0, 0]),
            "{:?}",
            one(HD, 63, 102, 240)
        );
        assert!(
            near(one(SD, 81, 90, 240), [255, 0, 0]),
            "{:?}",
            one(SD, 81, 90, 240)
        );
        assert!(
            near(one(HD, 32, 240, 118), [0, 0, 255]),
            "{:?}",
            one(HD, 32, 240, 118)
        );
        assert!(
            near(one(SD, 41, 240, 110), [0, 0, 255]),
            "{:?}",
            one(SD, 41, 240, 110)
        );
    }

    #[test]
    fn full_range_samples_are_taken_as_they_are() {
        let full = YuvColour {
            matrix: YuvMatrix::Bt709,
            full_range: true,
        };
        assert_eq!(one(full, 0, 128, 128), [0, 0, 0]);
        assert_eq!(one(full, 255, 128, 128), [255, 255, 255]);
        assert_eq!(full.grey(200), 200);
        assert_eq!(HD.grey(235), 255);
        assert_eq!(HD.grey(16), 0);
    }

    #[test]
    fn odd_sized_pictures_share_their_last_chroma_sample() {
        // 3×3: Y plane of 9, then 2×2 U and V. The right column and bottom row use the second
        // chroma sample of their row and column.
        let mut planes = vec![128u8; 9];
        planes.extend([128, 240, 128, 240]); // U: blue-ish on the right half
        planes.extend([128, 128, 128, 128]); // V
        let rgb = HD.to_rgb(&planes, 3, 3).unwrap();
        assert_eq!(rgb.len(), 27);
        assert_eq!(HD.to_rgb(&planes[1..], 3, 3), None, "a plane short");
        assert_eq!(HD.to_rgb(&planes, 4, 3), None, "planes of another size");
        let blue = |x: usize, y: usize| rgb[3 * (y * 3 + x) + 2];
        assert!(blue(2, 0) > blue(0, 0) + 50 && blue(2, 2) > blue(1, 2) + 50);
    }
}

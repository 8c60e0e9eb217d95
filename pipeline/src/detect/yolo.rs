//! Decoding YOLO output tensors into detections, with class-wise non-maximum suppression.

use gridwatch_core::{Detection, ImageBox};
use ndarray::ArrayView2;

use super::{DetectError, Placement};

/// A candidate in model-input pixels: corners, class, score.
struct Candidate {
    corners: [f64; 4],
    class: usize,
    score: f32,
}

/// Maps candidates at or above `min_score` to source pixels, clipped to the frame. A candidate
/// with a NaN or infinite score or corner is dropped: only a broken model gives one, and no box
/// can be drawn from it.
fn to_source(
    candidates: impl Iterator<Item = Candidate>,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Vec<Detection> {
    let (w, h) = (frame.0 as f64, frame.1 as f64);
    candidates
        .filter(|c| c.score.is_finite() && c.score >= min_score)
        .filter(|c| c.corners.iter().all(|v| v.is_finite()))
        .filter_map(|c| {
            let (x1, y1) = placement.to_source(c.corners[0], c.corners[1]);
            let (x2, y2) = placement.to_source(c.corners[2], c.corners[3]);
            let bbox = ImageBox {
                x1: x1.clamp(0.0, w),
                y1: y1.clamp(0.0, h),
                x2: x2.clamp(0.0, w),
                y2: y2.clamp(0.0, h),
            };
            (bbox.area() > 0.0).then_some(Detection {
                class: c.class as u16,
                score: c.score,
                bbox,
            })
        })
        .collect()
}

fn centred(cx: f32, cy: f32, w: f32, h: f32) -> [f64; 4] {
    let (cx, cy, w, h) = (cx as f64, cy as f64, w as f64, h as f64);
    [cx - w / 2.0, cy - h / 2.0, cx + w / 2.0, cy + h / 2.0]
}

/// The best class and its score among `scores`.
fn best(scores: impl Iterator<Item = f32>) -> (usize, f32) {
    scores.enumerate().fold(
        (0, f32::MIN),
        |best, next| if next.1 > best.1 { next } else { best },
    )
}

/// A model whose output does not have the layout's shape for the card's classes: its dimensions
/// may be dynamic, so only the answer itself shows it.
fn misshapen(layout: &str, shape: &[usize], expected: String) -> DetectError {
    DetectError::Inference(format!(
        "the model answered with a {layout} output of shape {shape:?}; {expected}"
    ))
}

/// Decodes one image's YOLOv5 output, `[anchors, 5 + classes]`: score = objectness × class score.
pub fn decode_v5(
    output: ArrayView2<f32>,
    classes: usize,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Result<Vec<Detection>, DetectError> {
    if output.ncols() != 5 + classes {
        let expected = format!("the card's {classes} classes need [anchors, {}]", 5 + classes);
        return Err(misshapen("YOLOv5", output.shape(), expected));
    }
    let candidates = output.rows().into_iter().map(|row| {
        let (class, score) = best(row.iter().skip(5).copied());
        Candidate {
            corners: centred(row[0], row[1], row[2], row[3]),
            class,
            score: score * row[4],
        }
    });
    Ok(to_source(candidates, placement, frame, min_score))
}

/// Decodes one image's end-to-end output, `[detections, 6]`: corners, score, class. A detection
/// whose class is not one of the card's `classes` is dropped.
pub fn decode_v10(
    output: ArrayView2<f32>,
    classes: usize,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Result<Vec<Detection>, DetectError> {
    if output.ncols() != 6 {
        let expected = "an end-to-end model gives [detections, 6]".to_owned();
        return Err(misshapen("YOLOv10", output.shape(), expected));
    }
    let candidates = output.rows().into_iter().filter_map(|row| {
        let class = row[5].round();
        // NaN fails this too, and would otherwise become class 0.
        (0.0 <= class && class < classes as f32).then(|| Candidate {
            corners: [row[0] as f64, row[1] as f64, row[2] as f64, row[3] as f64],
            class: class as usize,
            score: row[4],
        })
    });
    Ok(to_source(candidates, placement, frame, min_score))
}

/// Decodes one image's YOLOv8 output, `[4 + classes, anchors]`: for each anchor the box centre and
/// size, then one score per class. Keeps each anchor's best class when its score reaches
/// `min_score`, maps boxes to source pixels and clips them to the frame.
pub fn decode_v8(
    output: ArrayView2<f32>,
    classes: usize,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Result<Vec<Detection>, DetectError> {
    if output.nrows() != 4 + classes {
        let expected = format!("the card's {classes} classes need [{}, anchors]", 4 + classes);
        return Err(misshapen("YOLOv8", output.shape(), expected));
    }
    let candidates = output.columns().into_iter().map(|column| {
        let (class, score) = best(column.iter().skip(4).copied());
        Candidate {
            corners: centred(column[0], column[1], column[2], column[3]),
            class,
            score,
        }
    });
    Ok(to_source(candidates, placement, frame, min_score))
}

/// Keeps, per class, the highest-scoring boxes that overlap no kept box by more than `max_iou`;
/// at most `limit` in all, best first.
pub fn non_max_suppression(mut found: Vec<Detection>, max_iou: f64, limit: usize) -> Vec<Detection> {
    found.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Detection> = Vec::new();
    for d in found {
        if kept.len() == limit {
            break;
        }
        if !kept
            .iter()
            .any(|k| k.class == d.class && k.bbox.iou(&d.bbox) > max_iou)
        {
            kept.push(d);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    fn det(class: u16, score: f32, x1: f64) -> Detection {
        Detection {
            class,
            score,
            bbox: ImageBox {
                x1,
                y1: 0.0,
                x2: x1 + 10.0,
                y2: 10.0,
            },
        }
    }

    #[test]
    fn suppression_is_per_class() {
        let kept = non_max_suppression(
            vec![
                det(0, 0.5, 1.0),
                det(0, 0.9, 0.0),
                det(1, 0.8, 0.0),
                det(0, 0.7, 50.0),
            ],
            0.45,
            10,
        );
        let summary: Vec<(u16, f32)> = kept.iter().map(|d| (d.class, d.score)).collect();
        assert_eq!(summary, [(0, 0.9), (1, 0.8), (0, 0.7)]);
        assert_eq!(
            non_max_suppression(vec![det(0, 0.9, 0.0), det(0, 0.7, 50.0)], 0.45, 1).len(),
            1
        );
    }

    #[test]
    fn v8_boxes_are_mapped_back_through_the_letterbox() {
        // Two classes, three anchors; a 640×360 frame letterboxed into 320×320 (scale 0.5, pad 70 rows).
        let mut out = Array2::<f32>::zeros((6, 3));
        for (anchor, values) in [
            [160.0, 160.0, 40.0, 20.0, 0.1, 0.8],
            [10.0, 80.0, 30.0, 30.0, 0.2, 0.1],
            [315.0, 240.0, 20.0, 20.0, 0.6, 0.0],
        ]
        .iter()
        .enumerate()
        {
            for (row, v) in values.iter().enumerate() {
                out[[row, anchor]] = *v;
            }
        }
        let placement = Placement {
            scale: 0.5,
            pad_x: 0.0,
            pad_y: 70.0,
            origin_x: 0.0,
            origin_y: 0.0,
        };
        let found = decode_v8(out.view(), 2, placement, (640, 360), 0.25).unwrap();
        assert_eq!(found.len(), 2, "the anchor scoring 0.2 is dropped");
        assert_eq!(found[0].class, 1);
        assert_eq!(
            found[0].bbox,
            ImageBox {
                x1: 280.0,
                y1: 160.0,
                x2: 360.0,
                y2: 200.0
            }
        );
        assert_eq!(found[1].class, 0);
        assert_eq!(found[1].bbox.x2, 640.0, "clipped to the frame");
    }

    #[test]
    fn v8_boxes_from_a_region_are_in_whole_frame_pixels_clipped_to_the_frame_not_the_region() {
        // The 640×540 top-left quarter of a 1920×1080 frame (scale 0.5, 25 rows of padding), and
        // the 640×540 bottom-right one.
        let mut out = Array2::<f32>::zeros((5, 2));
        for (anchor, values) in [[160.0, 160.0, 40.0, 20.0, 0.9], [315.0, 200.0, 20.0, 20.0, 0.9]]
            .iter()
            .enumerate()
        {
            for (row, v) in values.iter().enumerate() {
                out[[row, anchor]] = *v;
            }
        }
        let top_left = Placement {
            scale: 0.5,
            pad_x: 0.0,
            pad_y: 25.0,
            origin_x: 0.0,
            origin_y: 0.0,
        };
        let boxes = |placement| {
            let mut found = decode_v8(out.view(), 1, placement, (1920, 1080), 0.25).unwrap();
            found.sort_by(|a, b| a.bbox.x1.total_cmp(&b.bbox.x1));
            found.into_iter().map(|d| d.bbox).collect::<Vec<_>>()
        };
        let b = |x1, y1, x2, y2| ImageBox { x1, y1, x2, y2 };
        assert_eq!(
            boxes(top_left),
            [b(280.0, 250.0, 360.0, 290.0), b(610.0, 330.0, 650.0, 370.0)],
            "the second box reaches past the region's right edge (640) and keeps its width"
        );
        let bottom_right = Placement {
            origin_x: 1280.0,
            origin_y: 540.0,
            ..top_left
        };
        assert_eq!(
            boxes(bottom_right),
            [b(1560.0, 790.0, 1640.0, 830.0), b(1890.0, 870.0, 1920.0, 910.0)],
            "clipped at the frame's right edge"
        );
    }

    /// Found by `bad_output`: a YOLOv5 answer of shape [1, 0] indexed past its row and panicked.
    #[test]
    fn an_output_too_narrow_for_its_layout_is_an_error_not_a_panic() {
        let placement = Placement {
            scale: 1.0,
            pad_x: 0.0,
            pad_y: 0.0,
            origin_x: 0.0,
            origin_y: 0.0,
        };
        let empty_rows = Array2::<f32>::zeros((1, 0));
        let error = decode_v5(empty_rows.view(), 2, placement, (64, 64), 0.25).unwrap_err();
        assert_eq!(
            error.to_string(),
            "inference failed: the model answered with a YOLOv5 output of shape [1, 0]; the card's 2 classes need [anchors, 7]"
        );
        assert!(decode_v8(empty_rows.view(), 2, placement, (64, 64), 0.25).is_err());
        assert!(decode_v10(empty_rows.view(), 2, placement, (64, 64), 0.25).is_err());
    }

    #[test]
    fn end_to_end_detections_of_no_card_class_are_dropped() {
        let placement = Placement {
            scale: 1.0,
            pad_x: 0.0,
            pad_y: 0.0,
            origin_x: 0.0,
            origin_y: 0.0,
        };
        let rows = [f32::NAN, -1.0, 2.0, f32::INFINITY, 1.0];
        let mut out = Array2::<f32>::zeros((rows.len(), 6));
        for (i, class) in rows.iter().enumerate() {
            out.row_mut(i)
                .assign(&ndarray::arr1(&[0.0, 0.0, 10.0, 10.0, 0.9, *class]));
        }
        let found = decode_v10(out.view(), 2, placement, (64, 64), 0.25).unwrap();
        let classes: Vec<u16> = found.iter().map(|d| d.class).collect();
        assert_eq!(classes, [1], "NaN is not class 0, nor 2 or ∞ a class of two");
    }

    mod bad_output {
        //! Whatever a model answers, decoding gives detections inside the frame or an error,
        //! never a panic. `PROPTEST_CASES` raises the count from 256.

        use proptest::prelude::*;

        use super::*;

        /// Values a broken or hostile model can produce, plain ones most often.
        fn value() -> impl Strategy<Value = f32> {
            prop_oneof![
                4 => 0.0f32..1.0,
                4 => -2000.0f32..2000.0,
                1 => prop::sample::select(vec![
                    f32::NAN,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::MAX,
                    f32::MIN,
                    f32::MIN_POSITIVE,
                    -0.0,
                    1e30,
                ]),
            ]
        }

        fn output() -> impl Strategy<Value = Array2<f32>> {
            (0usize..12, 0usize..12).prop_flat_map(|(rows, cols)| {
                prop::collection::vec(value(), rows * cols)
                    .prop_map(move |v| Array2::from_shape_vec((rows, cols), v).unwrap())
            })
        }

        fn config() -> ProptestConfig {
            let cases = std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(256);
            ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            }
        }

        proptest! {
            #![proptest_config(config())]

            #[test]
            fn any_output_decodes_to_detections_in_the_frame_or_an_error(
                layout in 0..3u8,
                classes in 1usize..4,
                out in output(),
                frame in (1u32..4000, 1u32..4000),
                min_score in prop::sample::select(vec![0.0f32, 0.25, 0.9]),
            ) {
                let placement = Placement { scale: 0.5, pad_x: 0.0, pad_y: 70.0, origin_x: 300.0, origin_y: 0.0 };
                let (found, fits) = match layout {
                    0 => (decode_v5(out.view(), classes, placement, frame, min_score), out.ncols() == 5 + classes),
                    1 => (decode_v8(out.view(), classes, placement, frame, min_score), out.nrows() == 4 + classes),
                    _ => (decode_v10(out.view(), classes, placement, frame, min_score), out.ncols() == 6),
                };
                prop_assert_eq!(found.is_ok(), fits, "{:?}", found);
                for d in found.unwrap_or_default() {
                    prop_assert!((d.class as usize) < classes, "{d:?}");
                    let b = d.bbox;
                    prop_assert!(d.score.is_finite() && d.score >= min_score, "{d:?}");
                    prop_assert!(
                        [b.x1, b.y1, b.x2, b.y2].iter().all(|v| v.is_finite())
                            && 0.0 <= b.x1 && b.x1 < b.x2 && b.x2 <= frame.0 as f64
                            && 0.0 <= b.y1 && b.y1 < b.y2 && b.y2 <= frame.1 as f64,
                        "{d:?} in {frame:?}"
                    );
                }
            }
        }
    }
}

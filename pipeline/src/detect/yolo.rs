//! Decoding YOLO output tensors into detections, with class-wise non-maximum suppression.

use gridwatch_core::{Detection, ImageBox};
use ndarray::ArrayView2;

use super::Placement;

/// A candidate in model-input pixels: corners, class, score.
struct Candidate {
    corners: [f64; 4],
    class: usize,
    score: f32,
}

/// Maps candidates at or above `min_score` to source pixels, clipped to the frame.
fn to_source(
    candidates: impl Iterator<Item = Candidate>,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Vec<Detection> {
    let (w, h) = (frame.0 as f64, frame.1 as f64);
    candidates
        .filter(|c| c.score >= min_score)
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

/// Decodes one image's YOLOv5 output, `[anchors, 5 + classes]`: score = objectness × class score.
pub fn decode_v5(
    output: ArrayView2<f32>,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Vec<Detection> {
    let candidates = output.rows().into_iter().map(|row| {
        let (class, score) = best(row.iter().skip(5).copied());
        Candidate {
            corners: centred(row[0], row[1], row[2], row[3]),
            class,
            score: score * row[4],
        }
    });
    to_source(candidates, placement, frame, min_score)
}

/// Decodes one image's end-to-end output, `[detections, 6]`: corners, score, class.
pub fn decode_v10(
    output: ArrayView2<f32>,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Vec<Detection> {
    let candidates = output.rows().into_iter().map(|row| Candidate {
        corners: [row[0] as f64, row[1] as f64, row[2] as f64, row[3] as f64],
        class: row[5].max(0.0).round() as usize,
        score: row[4],
    });
    to_source(candidates, placement, frame, min_score)
}

/// Decodes one image's YOLOv8 output, `[4 + classes, anchors]`: for each anchor the box centre and
/// size, then one score per class. Keeps each anchor's best class when its score reaches
/// `min_score`, maps boxes to source pixels and clips them to the frame.
pub fn decode_v8(
    output: ArrayView2<f32>,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Vec<Detection> {
    let candidates = output.columns().into_iter().map(|column| {
        let (class, score) = best(column.iter().skip(4).copied());
        Candidate {
            corners: centred(column[0], column[1], column[2], column[3]),
            class,
            score,
        }
    });
    to_source(candidates, placement, frame, min_score)
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
        };
        let found = decode_v8(out.view(), placement, (640, 360), 0.25);
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
}

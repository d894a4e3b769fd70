use candle_core::{Device, Tensor};
use candle_transformers::models::bert::{BertModel, Config};
use hf_hub::api::sync::Api;

pub fn load() -> anyhow::Result<BertModel> {
    let repo = Api::new()?.model("sentence-transformers/all-MiniLM-L6-v2".to_string());
    let config: Config = serde_json::from_str(&std::fs::read_to_string(repo.get("config.json")?)?)?;
    let vb = unsafe { candle_nn::VarBuilder::from_mmaped_safetensors(&[repo.get("model.safetensors")?], candle_core::DType::F32, &Device::Cpu)? };
    Ok(BertModel::load(vb, &config)?)
}

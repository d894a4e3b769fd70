use async_openai::{
    types::{ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs},
    Client,
};
use axum::{routing::post, Json, Router};

async fn chat(Json(body): Json<serde_json::Value>) -> Json<serde_json::Value> {
    let client = Client::new(); // reads OPENAI_API_KEY
    let request = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([ChatCompletionRequestUserMessageArgs::default()
            .content(body["q"].as_str().unwrap_or_default())
            .build()
            .unwrap()
            .into()])
        .build()
        .unwrap();
    let response = client.chat().create(request).await.unwrap();
    Json(serde_json::json!({ "a": response.choices[0].message.content }))
}

#[tokio::main]
async fn main() {
    let app = Router::new().route("/chat", post(chat));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}

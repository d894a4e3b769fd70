require "sinatra"
require "langchain"

LLM = Langchain::LLM::OpenAI.new(api_key: ENV["OPENAI_API_KEY"], default_options: { chat_model: "gpt-4o-mini" })

post "/ask" do
  LLM.chat(messages: [{ role: "user", content: params[:q] }]).chat_completion
end
